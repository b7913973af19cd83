"""Connection set-up per database kind.

SQLite: WAL (readers do not block the writer), a busy timeout instead of instant
``database is locked``, foreign keys on, and real transactions: pysqlite's legacy mode
would run reads before the first write outside the transaction, so we take over BEGIN
(SQLAlchemy's documented recipe). ``synchronous=NORMAL`` in WAL keeps every commit across
a crash of the process (a 200 means durable, sync-protocol "Push").
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session


def install(engine: Engine) -> None:
    """Attach the per-dialect listeners to ``engine`` (idempotent per engine)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


#: ``sqlite_begin`` value for no BEGIN at all: each statement is its own transaction.
AUTOCOMMIT = "AUTOCOMMIT"


def _on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    if mode != AUTOCOMMIT:
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def begin_write(session: Any) -> None:
    """End the session's transaction and open the next one as a writer.

    On SQLite that is ``BEGIN IMMEDIATE``: the write lock is taken (waiting on the busy
    timeout) before the first read, so a later write cannot fail on a stale snapshot.
    PostgreSQL needs nothing: its writers lock rows, not the database.
    """
    session.commit()
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def begin_reads(session: Any) -> None:
    """Open the session's transaction for reads that need no transaction of their own:
    each statement runs as its own, with its own snapshot.

    That saves the ``BEGIN`` and ``COMMIT`` round trips on PostgreSQL (autocommit; a
    third of an empty sync poll's) and two statements on SQLite (no ``BEGIN``). Nothing
    that reads one statement at a time can tell: under READ COMMITTED each statement of
    a PostgreSQL transaction has its own snapshot anyway. The first ``session.commit()``
    hands the connection back with its isolation level restored, so a write after one
    runs in a real transaction; every writer here commits before it writes (the sync
    engine, ``last_seen_at``). A session already in a transaction is left as it is.
    """
    real = session() if isinstance(session, scoped_session) else session
    if real.in_transaction():
        return
    name = real.get_bind().dialect.name
    if name == "postgresql":
        real.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    elif name == "sqlite":
        real.connection(execution_options={"sqlite_begin": AUTOCOMMIT})
