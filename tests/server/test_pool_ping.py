"""PostgreSQL pool: a connection idle past ``PING_IDLE_AFTER`` is pinged and replaced if
dead; one just used is handed out without a round trip (server/db_events.py, #3)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from server import db_events
from server.extensions import db


@pytest.fixture
def db_url(pg_database):
    """PostgreSQL only: SQLite has no server to lose a connection to."""
    return pg_database


@pytest.fixture
def pg_app(app):
    return app


def _terminate(app, where: str, **params) -> None:  # noqa: ANN001
    """Kill backends from a connection outside the pool."""
    import psycopg

    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {where}", params)


@pytest.fixture
def pings(pg_app, monkeypatch):
    with pg_app.app_context():
        dialect = db.engine.dialect
    calls: list[int] = []
    real = dialect.do_ping

    def counted(dbapi_conn):  # noqa: ANN001
        calls.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return calls


def _backend_pid(app) -> int:  # noqa: ANN001
    with app.app_context():
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_just_used_is_not_pinged(pg_app, pings):
    first = _backend_pid(pg_app)
    for _ in range(5):
        assert _backend_pid(pg_app) == first  # the same pooled connection, handed out again
    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(pg_app, pings, monkeypatch):
    monkeypatch.setattr(db_events, "PING_IDLE_AFTER", 0.0)  # every checkout counts as idle
    dead = _backend_pid(pg_app)
    pings.clear()
    _terminate(pg_app, "pid = %(pid)s", pid=dead)
    fresh = _backend_pid(pg_app)
    assert fresh != dead
    assert pings, "the idle connection was handed out unpinged"


def test_a_request_after_the_database_dropped_every_connection_is_answered(pg_app, client, demo, monkeypatch):
    monkeypatch.setattr(db_events, "PING_IDLE_AFTER", 0.0)
    assert client.get("/healthz").status_code == 200
    _terminate(pg_app, "datname = current_database() AND pid <> pg_backend_pid()")
    assert client.get("/healthz").status_code == 200


def test_a_raw_read_on_a_connection_that_died_fails_with_its_own_error_and_drops_it(pg_app):
    """The sync engine's raw read (``db_events.reads``) on a connection killed since its
    last use (inside the ping window): the read's own error comes out, not one from
    handing the dead connection back, and the pool replaces it."""
    import psycopg

    from sync import page_read

    with pg_app.app_context():
        read = db_events.reads(db.engine)
    with read() as conn:
        dead = conn.dbapi.driver_connection.info.backend_pid
    _terminate(pg_app, "pid = %(pid)s", pid=dead)
    with pytest.raises(psycopg.OperationalError) as failed:
        with read() as conn:
            assert conn.dbapi.driver_connection.info.backend_pid == dead  # handed out unpinged
            page_read.read(conn, {"x/note/public"}, 0, 10)
    assert "terminating connection" in str(failed.value), repr(failed.value)  # not "the connection is lost"
    with read() as conn:
        assert conn.dbapi.driver_connection.info.backend_pid != dead
        assert page_read.read(conn, {"x/note/public"}, 0, 10).rows == []
