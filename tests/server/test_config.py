"""Settings come from the environment, in one object; secrets are never constants."""
from __future__ import annotations

import pytest

from server.config import load_settings


def test_no_secret_key_means_the_database_keeps_one_not_the_instance(tmp_path):
    s = load_settings(str(tmp_path), environ={})
    assert s.secret_key is None  # the cursor key then comes from app_secret (#16)
    assert not (tmp_path / "secret_key").exists()


def test_environment_wins_over_defaults(tmp_path):
    s = load_settings(
        str(tmp_path),
        environ={"DATABASE_URL": "postgresql://u@h:5432/db", "SECRET_KEY": "k", "FIELDOPS_LOGIN_MAX_FAILURES": "3", "FIELDOPS_LOG_LEVEL": "debug"},
    )
    assert s.database_url == "postgresql+psycopg://u@h:5432/db"
    assert (s.secret_key, s.login_max_failures, s.log_level) == ("k", 3, "DEBUG")


def test_default_database_is_sqlite_under_instance(tmp_path):
    s = load_settings(str(tmp_path), environ={})
    assert s.database_url == f"sqlite:///{tmp_path}/fieldops.sqlite3"


@pytest.mark.parametrize("env", [{"FIELDOPS_LOGIN_MAX_FAILURES": "five"}, {"FIELDOPS_LOG_LEVEL": "LOUD"},
                                 {"FIELDOPS_PG_RANDOM_PAGE_COST": "cheap"}, {"FIELDOPS_PG_RANDOM_PAGE_COST": "0"},
                                 {"FIELDOPS_PG_RANDOM_PAGE_COST": "1; DROP TABLE staff"}])
def test_bad_values_fail_fast(tmp_path, env):
    with pytest.raises(RuntimeError):
        load_settings(str(tmp_path), environ=env)


def test_unknown_override_fails_fast(tmp_path):
    with pytest.raises(RuntimeError):
        load_settings(str(tmp_path), overrides={"not_a_setting": 1}, environ={})


def test_the_postgresql_page_cost_reaches_the_connections_or_stays_out(tmp_path):
    """``random_page_cost`` rides in libpq's startup options (see tests/sync/test_pg_page_plan.py
    for what it does); empty leaves the server's own; SQLite has no such thing."""
    from server import _engine_options

    pg = "postgresql+psycopg://u@h/db"
    assert load_settings(str(tmp_path), environ={}).pg_random_page_cost == "1.1"
    assert load_settings(str(tmp_path), environ={"FIELDOPS_PG_RANDOM_PAGE_COST": " 2 "}).pg_random_page_cost == "2"
    assert _engine_options(pg, "1.1")["connect_args"] == {"options": "-c random_page_cost=1.1"}
    assert "connect_args" not in _engine_options(pg, "")
    assert "options" not in _engine_options("sqlite:///x.sqlite3", "1.1")["connect_args"]
