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

    def options(url: str, cost: str) -> dict:
        return _engine_options(load_settings(str(tmp_path), overrides={"database_url": url, "pg_random_page_cost": cost}, environ={}))

    pg = "postgresql+psycopg://u@h/db"
    assert load_settings(str(tmp_path), environ={}).pg_random_page_cost == "1.1"
    assert load_settings(str(tmp_path), environ={"FIELDOPS_PG_RANDOM_PAGE_COST": " 2 "}).pg_random_page_cost == "2"
    assert options(pg, "1.1")["connect_args"] == {"options": "-c random_page_cost=1.1"}
    assert "connect_args" not in options(pg, "")
    assert "options" not in options("sqlite:///x.sqlite3", "1.1")["connect_args"]


def test_the_pool_is_sized_and_bounded_in_wait_by_settings(tmp_path):
    """A request waits at most ``db_pool_timeout_seconds`` for a connection (then 503 busy)."""
    from server import _engine_options

    s = load_settings(str(tmp_path), environ={"DATABASE_URL": "postgresql+psycopg://u@h/db",
                                              "FIELDOPS_DB_POOL_SIZE": "4", "FIELDOPS_DB_POOL_TIMEOUT_SECONDS": "2"})
    got = _engine_options(s)
    assert (got["pool_size"], got["max_overflow"], got["pool_timeout"]) == (4, 20, 2)


def test_two_spellings_of_one_setting_are_an_error(tmp_path):
    """``SECRET_KEY`` and ``FIELDOPS_SECRET_KEY`` name one setting: both set is refused,
    never a silent choice of one (#11)."""
    with pytest.raises(RuntimeError, match="SECRET_KEY and FIELDOPS_SECRET_KEY"):
        load_settings(str(tmp_path), environ={"SECRET_KEY": "a", "FIELDOPS_SECRET_KEY": "b"})
    with pytest.raises(RuntimeError, match="REDIS_URL and FIELDOPS_REDIS_URL"):
        load_settings(str(tmp_path), environ={"REDIS_URL": "redis://a", "FIELDOPS_REDIS_URL": "redis://b"})
    assert load_settings(str(tmp_path), environ={"FIELDOPS_SECRET_KEY": "b"}).secret_key == "b"


def test_each_default_is_written_once():
    """``Settings`` has no defaults of its own: every one comes from ``DEFAULTS``."""
    import dataclasses

    from server.config import DEFAULTS, Settings

    for f in dataclasses.fields(Settings):
        assert f.default is dataclasses.MISSING, f.name
    assert {f.name for f in dataclasses.fields(Settings)} - {"instance_path"} == set(DEFAULTS)
