"""Connection set-up per database kind.

SQLite: WAL (readers do not block the writer), a busy timeout instead of instant
``database is locked``, foreign keys on, and real transactions: pysqlite's legacy mode
would run reads before the first write outside the transaction, so we take over BEGIN
(SQLAlchemy's documented recipe). ``synchronous=NORMAL`` in WAL keeps every commit across
a crash of the process (a 200 means durable, sync-protocol "Push"). A 64 MiB page cache
holds a whole day's evaluation (#14).

PostgreSQL: a pooled connection idle for :data:`PING_IDLE_AFTER` or longer is pinged
before it is handed out (a dead one is replaced); one used more recently is handed out
as it is. That is HikariCP's ``aliveBypassWindowMs``: SQLAlchemy's ``pool_pre_ping``
pings on every checkout, a round trip per request that under load only confirms what
the last request just proved (a sixth of an empty sync poll, #3). A connection that dies
within the window fails its one request (a retry gets a fresh one), as any connection
dying mid-request does.
"""
from __future__ import annotations

import contextlib
import functools
import time
from typing import Any, Callable, ContextManager, Iterator

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import scoped_session

from sync import OWN_TRANSACTION, SQLITE_AUTOCOMMIT, RawConnection


#: Seconds a pooled PostgreSQL connection may sit idle and still be handed out unpinged.
PING_IDLE_AFTER = 1.0


def install(engine: Engine) -> None:
    """Attach the per-dialect listeners to ``engine`` (idempotent per engine)."""
    if engine.dialect.name == "postgresql":
        _install_idle_ping(engine)
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def _install_idle_ping(engine: Engine) -> None:
    """Ping a connection on checkout only after :data:`PING_IDLE_AFTER` idle (see the
    module docstring). Raising ``DisconnectionError`` from a checkout listener makes the
    pool replace the connection and try again (SQLAlchemy's documented recipe)."""
    if event.contains(engine, "checkin", _mark_used):
        return
    dialect = engine.dialect

    def ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        used_at = record.info.get(_USED_AT)
        if used_at is not None and time.monotonic() - used_at < PING_IDLE_AFTER:
            return
        try:
            dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()  # the ping began a transaction: hand the connection out idle
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_conn, None):
                raise exc.DisconnectionError(f"pooled connection is dead: {err}") from err
            raise
        record.info[_USED_AT] = time.monotonic()

    event.listen(engine, "checkout", ping_if_idle)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "connect", _mark_used)  # a new connection is alive too


_USED_AT = "fieldops_used_at"


def _mark_used(_dbapi_conn: Any, record: Any) -> None:
    record.info[_USED_AT] = time.monotonic()


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # A page cache of up to 64 MiB (the default is 2 MiB; memory is taken as pages are
    # used): a day's evaluation writes ~90,000 obligations and ~180,000 feed rows in one
    # transaction, and with 2 MiB their index pages spilled and were read back, half of
    # the inserts' CPU on SQLite (#14 "Speed").
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


# ``sqlite_begin`` (:data:`sync.SQLITE_AUTOCOMMIT`: no BEGIN at all) and the options of a
# connection whose statements are each their own transaction (:data:`sync.OWN_TRANSACTION`)
# are the sync engine's, which writes a due ``last_pull_at`` so: one convention for both.


def _on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    if mode != SQLITE_AUTOCOMMIT:
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
    options = OWN_TRANSACTION.get(real.get_bind().dialect.name)
    if options:
        real.connection(execution_options=options)


def reads(engine: Engine) -> Callable[[], ContextManager[RawConnection | Connection]]:
    """Connections for reads of one statement each, outside any transaction (the sync
    engine's ``reads``): ``with reads(engine)() as conn: page_read.read(conn, …)``.

    What :func:`begin_reads` does for a session, on a pooled DBAPI connection with no
    session and no SQLAlchemy ``Connection`` around it: an empty sync poll then skips the
    session's begin and commit and the Core execution machinery (#3). The connection is
    checked out of ``engine``'s pool as usual (the idle ping applies). PostgreSQL runs it
    in autocommit for the read and hands it back as it found it; SQLite sends no
    ``BEGIN`` (SQLAlchemy issues ours, and this is not SQLAlchemy's connection).

    While anything listens to ``engine``'s statement events (``before_cursor_execute``,
    ``after_cursor_execute``: tracing, APM instrumentation, tests), the reads run on a
    SQLAlchemy ``Connection`` in the same mode instead, so the listeners see them.
    """
    return functools.partial(_read_connection, engine)


@contextlib.contextmanager
def _read_connection(engine: Engine) -> Iterator[RawConnection | Connection]:
    dispatch = engine.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        with engine.execution_options(**OWN_TRANSACTION.get(engine.dialect.name, {})).connect() as conn:
            yield conn
        return
    pooled = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            driver = pooled.driver_connection
            driver.autocommit = True
            try:
                yield RawConnection(engine.dialect, pooled)
            finally:
                if not driver.closed:  # a lost one is dropped below; its own error is the one to raise
                    driver.autocommit = False
        else:
            yield RawConnection(engine.dialect, pooled)
    except BaseException:
        pooled.invalidate()  # a failed read leaves a connection of unknown state: drop it
        raise
    finally:
        pooled.close()
