"""Where the compliance engine's verdicts are kept (#14): obligations upserted by their
one key, the latest excuse of each, and each branch's settled-through day.

Set-based: every read is one statement over the evaluation's scope (its branches and
local days, :func:`judged`), every write at most two ``executemany``; rows are compared
before they are written, so a second evaluation of one instant writes nothing.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Mapping, Sequence

from sqlalchemy import JSON, Table, bindparam, insert, select, update

from sync import bind_processor, copy_rows, dumps

from ..extensions import db
from ..models.compliance import ComplianceProgress, Obligation, ObligationExcuse, obligation_id
from ..models.org import Branch
from ..rules import compliance as RC


_COMPARED = ("rule_version", "window_end", "due_at", "verdict", "status", "evidence", "clock_suspect", "detail")


def upsert(verdicts: list[tuple[Branch, RC.Verdict]], at: datetime, scope: Any) -> tuple[list[Any], int, int]:
    """Insert new obligations, update changed ones (two ``executemany`` at most), publish
    what changed; returns every judged obligation as plain values, and how many rows were
    inserted and updated."""
    from ..sync_setup import engine as sync_engine

    session = db.session
    if not verdicts:
        return [], 0, 0
    keyed = {obligation_id(b.id, v.rule, v.subject_kind, v.subject_id, v.window_start): (b, v) for b, v in verdicts}
    existing = _existing(scope)
    excuses = latest_excuses(scope)
    inserts, updates, rows = [], [], []
    for oid, (branch, v) in keyed.items():
        values = {
            "id": oid, "branch_id": branch.id, "rule": v.rule, "rule_version": v.version,
            "subject_kind": v.subject_kind, "subject_id": v.subject_id, "business_date": v.business_date,
            "window_start": v.window_start, "window_end": v.window_end, "due_at": v.due_at,
            "verdict": v.status, "status": RC.shown_status(v.status, excuses.get(oid)),
            "evidence": list(v.evidence), "clock_suspect": v.clock_suspect, "detail": dict(v.detail),
            "judged_at": at, "updated_at": at,
        }
        old = existing.get(oid)
        if old is None:
            inserts.append(values)
        elif any(old[k] != values[k] for k in _COMPARED):
            updates.append(values)
        else:
            values["judged_at"], values["updated_at"] = old["judged_at"], old["updated_at"]
        rows.append(SimpleNamespace(**values))  # serialised like an Obligation, without the ORM's cost
    table = Obligation.__table__
    insert_many(table, inserts)
    if updates:
        cols = ("rule_version", "window_end", "due_at", "verdict", "status", "evidence", "clock_suspect", "detail",
                "judged_at", "updated_at")
        stmt = table.update().where(table.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in cols})
        session.execute(stmt, [{"b_id": v["id"], **{f"b_{c}": v[c] for c in cols}} for v in updates])
    feed, real = sync_engine(), session()  # the Session itself: the scoped proxy costs a lookup per call
    fresh = {v["id"] for v in inserts}
    changed = fresh | {v["id"] for v in updates}
    for row in rows:
        if row.id in changed:  # a new row has no feed rows to turn into tombstones: created=True
            feed.put(real, "obligation", row, created=row.id in fresh)
    return rows, len(inserts), len(updates)


def insert_many(table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``INSERT`` ``rows`` (dicts with the same keys) into ``table`` with one
    ``executemany`` in the session's transaction, as ``session.execute(table.insert(),
    rows)`` would, converting each value with its column's own bind processor (the same
    text, UUID and JSON the statement would bind) once per distinct value.

    Why: an evaluation inserts tens of thousands of obligations whose branch, window, due
    and judged times repeat; SQLAlchemy's per-row parameter processing of them was the
    largest cost of judging a day (#14 "Speed"). Values are converted a column at a time.
    """
    if not rows:
        return
    conn = db.session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    if dialect.name == "postgresql":
        _copy(conn, table, keys, [_converted(table.c[k], dialect, [row[k] for row in rows]) for k in keys])
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    columns = [_converted(table.c[k], dialect, [row[k] for row in rows]) for k in order]
    if compiled.positional:
        params: list[Any] = list(zip(*columns))
    else:
        params = [dict(zip(order, values)) for values in zip(*columns)]
    conn.exec_driver_sql(compiled.string, params)


def _copy(conn: Any, table: Table, keys: list[str], columns: list[list[Any]]) -> None:
    """PostgreSQL: the rows with one binary ``COPY … FROM STDIN`` (``sync.copy_rows``).
    Measured on 92,000 obligation rows: a third of the driver CPU and of the wall time of
    an ``executemany``, which the server runs as one execution per row; binary, half
    the time of a text ``COPY`` again."""
    copy_rows(conn, table, keys, list(zip(*columns)))


def _converted(column: Any, dialect: Any, values: list[Any]) -> list[Any]:
    """``values`` as the column's bind processing makes them (SQLAlchemy's own processor
    for its type on this dialect): each distinct value once, unless the column is a
    primary key (never repeated). A JSON value becomes the text the engine's
    ``json_serializer`` (:func:`sync.dumps`) makes of it, which both drivers take as it
    is (PostgreSQL's ``COPY`` included)."""
    if isinstance(column.type, JSON):
        return [dumps(v) for v in values]
    process = bind_processor(column, dialect)
    if process is None:
        return values
    if column.primary_key:
        return [process(v) for v in values]
    memo = {v: process(v) for v in set(values)}
    return [memo[v] for v in values]


def judged(branch_ids: Sequence[uuid.UUID], first: date, last: date, rules: Sequence[str] | None = None) -> Any:
    """The SQL condition on ``obligation`` of one evaluation: its branches and local days
    (and ``rules``, the rule ids of a scoped one). One range, whatever the number of
    branches (no id lists that grow with the day)."""
    cond = (Obligation.branch_id.in_(list(branch_ids))) & Obligation.business_date.between(first, last)
    return cond if rules is None else cond & Obligation.rule.in_(list(rules))


def _existing(scope: Any) -> dict[uuid.UUID, dict[str, Any]]:
    cols = [Obligation.id, Obligation.judged_at, Obligation.updated_at] + [getattr(Obligation, c) for c in _COMPARED]
    return {r.id: dict(r._mapping) for r in db.session.execute(select(*cols).where(scope))}


def latest_excuses(scope: Any) -> dict[uuid.UUID, str]:
    """The action of the latest excuse record of each obligation in ``scope`` that has one."""
    latest: dict[uuid.UUID, str] = {}
    for r in db.session.execute(
        select(ObligationExcuse.obligation_id, ObligationExcuse.action)
        .join(Obligation, Obligation.id == ObligationExcuse.obligation_id)
        .where(scope)
        .order_by(ObligationExcuse.at, ObligationExcuse.id)
    ):
        latest[r.obligation_id] = r.action
    return latest


def save_progress(settled: Mapping[uuid.UUID, date], known: Mapping[uuid.UUID, date], at: datetime) -> None:
    """Move each branch's ``closed_through`` forward to its last settled day (two
    ``executemany`` at most)."""
    new = [{"branch_id": b, "closed_through": d, "updated_at": at} for b, d in settled.items() if b not in known]
    moved = [{"branch_id": b, "closed_through": d, "updated_at": at} for b, d in settled.items()
             if b in known and known[b] < d]
    if new:
        db.session.execute(insert(ComplianceProgress), new)
    if moved:
        db.session.execute(update(ComplianceProgress), moved)


def read_progress(branch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, date]:
    """Each branch's ``closed_through`` (branches never settled are absent)."""
    return {p.branch_id: p.closed_through for p in db.session.scalars(
        select(ComplianceProgress).where(ComplianceProgress.branch_id.in_(list(branch_ids))))}
