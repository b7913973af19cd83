"""The engine's own tables (``sync_*``) and the queries on them.

Core tables on :data:`sync.schema.metadata`, so one Alembic history covers them with the
domain's. Nothing here knows a domain table.

* ``sync_client`` — one row per ``client_id``: its owner, mutation counter and clocks.
* ``sync_mutation`` — every mutation a device ever sent, applied or rejected (the log
  doubles as the dead letter: nothing a device sent is thrown away).
* ``sync_counter`` — one row (``id = 1``) holding the last change ``seq`` handed out and
  the compaction horizon. Its row lock orders commits (see :mod:`sync.feed`).
* ``sync_change`` — the change feed: one row per (entity, record, audience), upserted on
  every change, so a pull costs what it returns, not the history.
"""
from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    bindparam,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import bulk
from .schema import metadata
from .types import UtcDateTime

COUNTER_ID = 1

#: ``sqlite_begin`` execution option of a writer: the host's ``begin`` listener emits
#: ``BEGIN <mode>`` (``IMMEDIATE``: take the write lock first), and no BEGIN at all for
#: :data:`SQLITE_AUTOCOMMIT`.
SQLITE_AUTOCOMMIT = "AUTOCOMMIT"
#: Execution options under which each statement is its own transaction, per dialect.
OWN_TRANSACTION = {"postgresql": {"isolation_level": "AUTOCOMMIT"}, "sqlite": {"sqlite_begin": SQLITE_AUTOCOMMIT}}

client_table = Table(
    "sync_client",
    metadata,
    Column("client_id", Uuid, primary_key=True),
    Column("staff_id", Uuid, nullable=False, index=True),
    Column("branch_id", Uuid, nullable=True, index=True),
    Column("last_mutation_id", BigInteger, nullable=False, default=0),
    Column("last_device_at", UtcDateTime, nullable=True),
    Column("last_sent_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_push_at", UtcDateTime, nullable=True),
    Column("last_pull_at", UtcDateTime, nullable=True),
    # Rejected mutations stored in the current day's window (since ``rejected_since``),
    # bounded per client (``EngineSettings.rejected_bytes_per_day``), and the pushes
    # refused for it: supervisors see both.
    Column("rejected_since", UtcDateTime, nullable=True),
    Column("rejected_bytes", BigInteger, nullable=False, default=0, server_default="0"),
    Column("refused_pushes", BigInteger, nullable=False, default=0, server_default="0"),
    Column("last_refused_at", UtcDateTime, nullable=True),
)

mutation_table = Table(
    "sync_mutation",
    metadata,
    Column("client_id", Uuid, nullable=False),
    Column("mutation_id", BigInteger, nullable=False),
    Column("name", String(200), nullable=True),
    Column("args", JSON, nullable=True),
    Column("raw", Text, nullable=False),  # the mutation exactly as sent (JSON text)
    Column("at", UtcDateTime, nullable=True),
    Column("status", String(16), nullable=False),
    Column("error", JSON, nullable=True),
    Column("result", JSON, nullable=False),
    Column("staff_id", Uuid, nullable=False),
    Column("branch_id", Uuid, nullable=True),
    Column("session_id", Uuid, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("skew_ms", BigInteger, nullable=False, default=0),
    Column("happened_at", UtcDateTime, nullable=True),
    Column("clock_suspect", Boolean, nullable=False, default=False),
    PrimaryKeyConstraint("client_id", "mutation_id"),
    Index("ix_sync_mutation_branch_status", "branch_id", "status", "received_at"),
)

counter_table = Table(
    "sync_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False, default=0),
    # Tombstones at or below this seq were compacted away: older cursors must reset.
    Column("horizon_seq", BigInteger, nullable=False, default=0),
)

change_table = Table(
    "sync_change",
    metadata,
    Column("seq", BigInteger, nullable=False),
    Column("entity", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("audience", String(200), nullable=False),
    Column("op", String(8), nullable=False),
    Column("data", Text, nullable=True),  # JSON text, spliced into pulls unparsed
    Column("changed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("entity", "record_id", "audience"),
    UniqueConstraint("seq"),
    Index("ix_sync_change_audience_seq", "audience", "seq"),
)


def _insert(session: Session, table: Table) -> Any:
    """A dialect ``INSERT`` that supports ``ON CONFLICT`` (PostgreSQL and SQLite)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"sync store does not support {name!r}")


# --- clients -------------------------------------------------------------------------


_LOCK_CLIENT = select(client_table).where(client_table.c.client_id == bindparam("client_id")).with_for_update()


def lock_client(session: Session, client_id: uuid.UUID, staff_id: uuid.UUID, branch_id: uuid.UUID | None,
                now: datetime) -> Any:
    """Return the client's row, creating it bound to ``staff_id`` if new, locked for update.

    PostgreSQL: ``SELECT … FOR UPDATE`` holds the row until COMMIT, so two pushes of one
    client serialise. SQLite: the caller began the transaction ``IMMEDIATE`` (one writer).
    A known client costs that one statement; a new one is inserted first (``ON CONFLICT
    DO NOTHING``: two first pushes racing make one row), then locked the same way.
    """
    row = session.execute(_LOCK_CLIENT, {"client_id": client_id}).first()
    if row is not None:
        return row
    session.execute(
        _insert(session, client_table)
        .values(client_id=client_id, staff_id=staff_id, branch_id=branch_id, last_mutation_id=0, created_at=now)
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    return session.execute(_LOCK_CLIENT, {"client_id": client_id}).one()


_GET_CLIENT = select(client_table).where(client_table.c.client_id == bindparam("client_id"))


def get_client(session: Session, client_id: uuid.UUID) -> Any | None:
    """The client's row, or ``None``."""
    return session.execute(_GET_CLIENT, {"client_id": client_id}).first()


def list_clients(
    session: Session, *, staff_ids: Iterable[uuid.UUID] | None = None, branch_id: uuid.UUID | None = None
) -> list[Any]:
    """Client rows of these staff members and/or this branch."""
    q = select(client_table)
    if staff_ids is not None:
        q = q.where(client_table.c.staff_id.in_(list(staff_ids)))
    if branch_id is not None:
        q = q.where(client_table.c.branch_id == branch_id)
    return list(session.execute(q.order_by(client_table.c.created_at, client_table.c.client_id)))


def update_client(session: Session, client_id: uuid.UUID, **values: Any) -> None:
    """Set columns of one client row."""
    session.execute(update(client_table).where(client_table.c.client_id == client_id).values(**values))


# --- mutation log ----------------------------------------------------------------------


def outcomes(session: Session, client_id: uuid.UUID, first: int, last: int) -> dict[int, dict[str, Any]]:
    """Stored results of mutations ``first..last`` of a client, by id."""
    rows = session.execute(
        select(mutation_table.c.mutation_id, mutation_table.c.result).where(
            mutation_table.c.client_id == client_id,
            mutation_table.c.mutation_id.between(first, last),
        )
    )
    return {row.mutation_id: row.result for row in rows}


def log_mutations(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append mutation log rows (applied and rejected alike)."""
    if rows:
        session.execute(insert(mutation_table), rows)


def list_mutations(
    session: Session,
    *,
    client_id: uuid.UUID | None = None,
    branch_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Any]:
    """Mutation log rows, newest first, filtered by client, branch and status."""
    q = select(mutation_table)
    if client_id is not None:
        q = q.where(mutation_table.c.client_id == client_id)
    if branch_id is not None:
        q = q.where(mutation_table.c.branch_id == branch_id)
    if status is not None:
        q = q.where(mutation_table.c.status == status)
    q = q.order_by(
        mutation_table.c.received_at.desc(), mutation_table.c.client_id, mutation_table.c.mutation_id.desc()
    )
    return list(session.execute(q.limit(limit).offset(offset)))


# --- change feed -----------------------------------------------------------------------


_LOCK_COUNTER = (
    update(counter_table)
    .where(counter_table.c.id == COUNTER_ID)
    .values(seq=counter_table.c.seq + bindparam("reserve"))
    .returning(counter_table.c.seq)
)


def lock_counter(session: Session, reserve: int = 0) -> int:
    """Lock the counter row until COMMIT and return the last seq handed out; with
    ``reserve``, also hand out the next ``reserve`` seqs (the caller's to use, so it
    need not :func:`set_counter`).

    The lock is what makes seqs visible in seq order: a second writer waits here until
    the first commits, so it can only take higher seqs after the lower ones are visible.
    """
    params = {"reserve": reserve}
    seq = session.execute(_LOCK_COUNTER, params).scalar()
    if seq is None:  # a fresh or truncated database: make the row, then lock it
        session.execute(
            _insert(session, counter_table)
            .values(id=COUNTER_ID, seq=0, horizon_seq=0)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        seq = session.execute(_LOCK_COUNTER, params).scalar_one()
    return int(seq) - reserve


def set_counter(session: Session, seq: int) -> None:
    """Store the last seq handed out (under the lock of :func:`lock_counter`)."""
    session.execute(update(counter_table).where(counter_table.c.id == COUNTER_ID).values(seq=seq))


_READ_COUNTER = select(counter_table.c.seq, counter_table.c.horizon_seq).where(counter_table.c.id == COUNTER_ID)


def read_counter(session: Session) -> tuple[int, int]:
    """``(seq, horizon_seq)``; ``(0, 0)`` before the first change."""
    row = session.execute(_READ_COUNTER).first()
    return (int(row.seq), int(row.horizon_seq)) if row else (0, 0)


def current_rows(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    """``{(entity, record_id): {audience: op}}`` of the feed rows of these records.

    One range of the primary key per entity (``entity = ? AND record_id IN (…)``, joined
    by ``OR``): SQLite plans the row-value form ``(entity, record_id) IN (…)`` as a scan
    of the whole feed, which made every push that changes records cost as much as the
    history stored (#17: 67 % of a push of complaint updates on a benchmark's feed)."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    c = change_table.c
    for start in range(0, len(keys), 400):
        by_entity: dict[str, list[str]] = {}
        for entity, record_id in keys[start:start + 400]:
            by_entity.setdefault(entity, []).append(record_id)
        rows = session.execute(select(c.entity, c.record_id, c.audience, c.op).where(
            or_(*(and_(c.entity == entity, c.record_id.in_(ids)) for entity, ids in sorted(by_entity.items())))))
        for row in rows:
            found.setdefault((row.entity, row.record_id), {})[row.audience] = row.op
    return found


def upsert_changes(session: Session, rows: list[dict[str, Any]], *, new: bool = False) -> None:
    """Write feed rows; one per (entity, record_id, audience), replaced on conflict. The
    rows hold no two of one (entity, record_id, audience) (``feed.flush`` writes the last
    state of each record once per audience).

    From :data:`sync.bulk.BULK_CHANGES` rows on (a compliance evaluation publishes ~180,000 at once,
    #14 "Speed") the same rows go in a constant number of statements without
    SQLAlchemy's per-row parameter processing: on PostgreSQL ``COPY`` into a temporary
    table and one ``INSERT … SELECT … ON CONFLICT``; on SQLite one ``executemany`` of
    the same upsert with ``changed_at`` converted once per distinct value.

    ``new=True``: the rows are of records created in this transaction (the ``created``
    promise of :meth:`sync.engine.SyncEngine.put`), which have no feed rows to replace;
    on the bulk path PostgreSQL then copies them straight into the feed (see
    :func:`sync.bulk.upsert_changes`)."""
    if not rows:
        return
    if len(rows) >= bulk.BULK_CHANGES:
        bulk.upsert_changes(session, change_table, rows, new=new)
        return
    stmt = _insert(session, change_table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["entity", "record_id", "audience"],
        set_={
            "seq": stmt.excluded.seq,
            "op": stmt.excluded.op,
            "data": stmt.excluded.data,
            "changed_at": stmt.excluded.changed_at,
        },
    )
    session.execute(stmt, rows)


#: On PostgreSQL, up to this many audiences a page is a UNION ALL of one ordered index
#: range per audience, which the planner merges (Merge Append): the cost grows with the
#: page, not with the history (measured on 1M rows: 4.5 ms a page against 17-40 ms for
#: ``audience IN (…)``, which walks the seq index filtering other audiences). SQLite merges
#: too, up to this many audiences (see :func:`_sqlite_page_sql`); wider scopes use the one
#: ``IN`` scan on both.
MERGE_MAX_AUDIENCES = 64


@functools.lru_cache(maxsize=256)
def _page_sql(audiences: int, merge: bool) -> Any:
    """The page statement for ``audiences`` bound audiences ``:a0 …`` (built once: a
    SQLAlchemy construct of a 12-way UNION costs milliseconds to build per request)."""
    cols = "seq, entity, record_id, op, data"
    if not merge:
        names = ", ".join(f":a{i}" for i in range(audiences))
        sql = (f"SELECT {cols} FROM sync_change WHERE audience IN ({names}) AND seq > :after "
               f"ORDER BY seq LIMIT :limit")
    else:
        parts = " UNION ALL ".join(
            f"(SELECT {cols} FROM sync_change WHERE audience = :a{i} AND seq > :after ORDER BY seq LIMIT :limit)"
            for i in range(audiences)
        )
        sql = f"SELECT {cols} FROM ({parts}) AS merged ORDER BY seq LIMIT :limit"
    return text(sql)


#: The (audience, seq) index of ``sync_change`` (migration 0002 and the Table above).
_AUDIENCE_SEQ = "ix_sync_change_audience_seq"


@functools.lru_cache(maxsize=256)
def _sqlite_page_sql(audiences: int) -> Any:
    """SQLite's page statement (#3; ``bench/sqlite_page.py`` measures the candidates).

    ``audience IN (…) ORDER BY seq`` has two plans on SQLite, both growing with the history:
    walk the seq index past other audiences' rows (fetching each to test its audience), or,
    once ANALYZE has seen a big table, read every scope row ahead and sort them whole per
    page. Instead each audience's range of the (audience, seq) index is one arm of a
    top-level compound ``… UNION ALL … ORDER BY seq LIMIT n``, which SQLite runs as a merge
    of co-routines (``MERGE (UNION ALL)``) stopping after ``n``: index-only, on ``(seq,
    rowid)``; then the ``n`` rows are fetched by rowid and sorted (``n`` rows, not the scope).
    ``INDEXED BY`` pins the plan whatever the statistics say. (PostgreSQL's form, each arm
    ``ORDER BY … LIMIT`` in a subquery, is sorted whole by SQLite: 2-3× slower.)
    """
    cols = "seq, entity, record_id, op, data"
    if audiences == 1:
        return text(f"SELECT {cols} FROM sync_change INDEXED BY {_AUDIENCE_SEQ} "
                    f"WHERE audience = :a0 AND seq > :after ORDER BY seq LIMIT :limit")
    arms = " UNION ALL ".join(
        f"SELECT seq, rowid AS rid FROM sync_change INDEXED BY {_AUDIENCE_SEQ} WHERE audience = :a{i} AND seq > :after"
        for i in range(audiences)
    )
    return text(f"SELECT c.seq, c.entity, c.record_id, c.op, c.data FROM ({arms} ORDER BY seq LIMIT :limit) AS m "
                f"CROSS JOIN sync_change AS c ON c.rowid = m.rid ORDER BY m.seq")


def page_sql(dialect: str, audiences: int) -> Any:
    """The page statement of ``dialect`` for ``audiences`` bound audiences ``:a0 …``,
    ``:after`` and ``:limit`` (also spliced into :mod:`sync.page_read`'s one statement)."""
    if dialect == "sqlite" and audiences <= MERGE_MAX_AUDIENCES:
        return _sqlite_page_sql(audiences)
    return _page_sql(audiences, dialect == "postgresql" and 1 < audiences <= MERGE_MAX_AUDIENCES)


def page(session: Session, audiences: Iterable[str], after: int, limit: int) -> list[tuple]:
    """Up to ``limit`` feed rows ``(seq, entity, record_id, op, data)`` of ``audiences``
    with ``seq > after``, in seq order.

    Visibility is decided here, in SQL: rows of other audiences are never read.
    """
    audiences = sorted(audiences)
    if not audiences:
        return []
    params: dict[str, Any] = {f"a{i}": a for i, a in enumerate(audiences)}
    params["after"], params["limit"] = after, limit
    sql = page_sql(session.get_bind().dialect.name, len(audiences))
    return session.execute(sql, params).tuples().all()  # one fetchall


def compact(session: Session, before: datetime) -> int:
    """Delete tombstones changed before ``before``; raise the horizon to their top seq.

    Returns how many rows went. A cursor at or below the horizon then resets, because
    the deletes it would need are gone.
    """
    c = change_table.c
    lock_counter(session)
    gone = session.execute(
        select(c.seq).where(c.op == "delete", c.changed_at < before).order_by(c.seq.desc()).limit(1)
    ).scalar()
    if gone is None:
        return 0
    result = session.execute(
        change_table.delete().where(and_(c.op == "delete", c.changed_at < before, c.seq <= gone))
    )
    session.execute(
        update(counter_table).where(counter_table.c.id == COUNTER_ID, counter_table.c.horizon_seq < gone)
        .values(horizon_seq=gone)
    )
    return int(result.rowcount or 0)
