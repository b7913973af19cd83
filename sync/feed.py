"""Emitting changes: collect them per session, write them to the feed at COMMIT.

``put``/``delete`` only append to ``session.info`` (cheap, and undone with a savepoint by
:meth:`Pending.restore`). A ``before_commit`` listener on every :class:`Session` then, in
the committing transaction:

1. locks the counter row (``UPDATE sync_counter … RETURNING seq``) — held until COMMIT,
   so a second writer takes its seqs only after the first one's are visible: seqs become
   visible in seq order, and a pull ``seq > cursor`` never skips a committed change;
2. serialises each changed record and computes its audiences *now* (the final state);
3. upserts one row per (record, audience): the new audiences as ``put``, audiences the
   record left (or all of them, for a delete) as ``delete`` tombstones. Tombstones take
   lower seqs than the puts of the same change, so "highest seq wins" per record is the
   record's state in any scope;
4. queues the wake-up (PostgreSQL ``NOTIFY`` inside the transaction; in-process and
   Redis wake-ups after COMMIT).

The listener finds its engine in ``session.info``, never in a closure, so any number of
apps can share a process.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

import orjson
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import store
from .registry import Registry

PENDING_KEY = "sync_pending"
WAKE_KEY = "sync_wake"


def _json_default(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


#: Built once: ``json.dumps`` with options builds a new encoder per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_default)
#: orjson's own datetimes and dates are RFC 3339 with ``+00:00``: the wire's are ours (``Z``).
_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    """Compact JSON text as the feed stores and the wire carries it.

    orjson writes it (a record in about 1 µs, the standard library's encoder in about 6:
    a compliance day serialises ~105,000 records, #14 "Speed"); the standard encoder
    writes what orjson refuses (integers beyond 64 bits in a raw push's arguments, a
    lone surrogate), so both accept what this always accepted. The text is the standard
    encoder's, but for a float's spelling (``1e-7``, not ``1e-07``: the same number)."""
    try:
        return orjson.dumps(value, default=_json_default, option=_ORJSON).decode()
    except TypeError:
        return _ENCODER.encode(value)


@dataclass(frozen=True)
class Seams:
    """What the feed uses of its engine, handed in (no engine import): the entities to
    serialise, the clock that stamps feed rows, the notifier that wakes long polls."""

    registry: Registry
    clock: Callable[[], datetime]
    notifier: Any


@dataclass
class Pending:
    """Changes emitted in one session's transaction, not yet in the feed."""

    seams: Seams
    #: ``(entity, record_id, op, obj, created)`` in emission order.
    items: list[tuple[str, str, str, Any, bool]] = field(default_factory=list)
    #: Wake-up keys to send at COMMIT besides the audiences touched (a revoked session).
    wake: set[str] = field(default_factory=set)

    def mark(self) -> int:
        """A point to :meth:`restore` to (before a savepoint)."""
        return len(self.items)

    def restore(self, mark: int) -> None:
        """Forget what was emitted after ``mark`` (its savepoint rolled back)."""
        del self.items[mark:]


def pending(session: Any, seams: Seams) -> Pending:
    """The session's :class:`Pending`, made on first use (with ``seams``)."""
    info = session.info
    found = info.get(PENDING_KEY)
    if found is None:
        found = info[PENDING_KEY] = Pending(seams)
    return found


def _latest(items: list[tuple[str, str, str, Any, bool]]) -> dict[tuple[str, str], tuple[str, Any, bool]]:
    """The last emission per record wins: the record's state at COMMIT is what counts.

    A record is *created* when its first emission in the transaction said so: it did
    not exist before, whatever happened to it afterwards.
    """
    latest: dict[tuple[str, str], tuple[str, Any, bool]] = {}
    for entity, record_id, op, obj, created in items:
        key = (entity, record_id)
        first = latest.pop(key, None)
        latest[key] = (op, obj, created if first is None else first[2])
    return latest


def flush(session: Session, batch: Pending) -> set[str]:
    """Write ``batch`` to the feed inside the committing transaction; return audiences touched."""
    latest = _latest(batch.items)
    if not latest:
        return set()
    now = batch.seams.clock()
    session.flush()
    # Serialise before taking the counter lock, which every writer waits for: the
    # records' state is this transaction's own; only reading the feed needs the lock.
    puts: list[dict[str, Any]] = []
    stay: dict[tuple[str, str], set[str]] = {}  # audiences of records that may have old rows
    entities: dict[str, Any] = {}
    registry = batch.seams.registry
    for (entity_name, record_id), (op, obj, created) in latest.items():
        entity = entities.get(entity_name)
        if entity is None:
            entity = entities[entity_name] = registry.get_entity(entity_name)
        audiences = _put_rows(entity, record_id, obj, now, puts) if op == "put" else set()
        if not created:  # a record created in this transaction has no feed rows yet
            stay[(entity_name, record_id)] = audiences
    if not stay:
        if not puts:
            return set()
        base = store.lock_counter(session, reserve=len(puts))  # one statement: lock and take the seqs
        rows = puts
    else:
        base = store.lock_counter(session)
        rows = _tombstone_rows(session, stay, now) + puts  # tombstones first: puts outrank them
        if not rows:
            return set()
        store.set_counter(session, base + len(rows))
    for offset, row in enumerate(rows, start=1):
        row["seq"] = base + offset
    if stay:
        # Rows of records created in this transaction cannot meet a feed row: they go in
        # without conflict handling (a compliance day's ~180,000, #14 "Speed").
        old = [r for r in rows if (r["entity"], r["record_id"]) in stay]
        store.upsert_changes(session, old)
        store.upsert_changes(session, [r for r in rows if (r["entity"], r["record_id"]) not in stay], new=True)
    else:
        store.upsert_changes(session, rows, new=True)
    return {row["audience"] for row in rows}


def _tombstone_rows(session: Session, stay: dict[tuple[str, str], set[str]], now: Any) -> list[dict[str, Any]]:
    """``delete`` rows for the audiences each record had a ``put`` in and has left
    (``stay`` maps a record to its audiences now). Reads the feed: hold the counter lock."""
    existing = store.current_rows(session, list(stay))
    return [
        {"entity": entity_name, "record_id": record_id, "changed_at": now, "audience": audience,
         "op": "delete", "data": None}
        for (entity_name, record_id), audiences in stay.items()
        for audience in sorted(a for a, old_op in existing.get((entity_name, record_id), {}).items()
                               if old_op == "put" and a not in audiences)
    ]


def _put_rows(entity: Any, record_id: str, obj: Any, now: Any, out: list[dict[str, Any]]) -> set[str]:
    """Append the ``put`` rows of ``obj`` (one per audience, each distinct view of its data
    serialised once, :attr:`~sync.registry.Entity.view`) to ``out``; return its audiences."""
    audiences = set(entity.audiences(obj))
    if not audiences:
        return audiences
    full = entity.serialize(obj)
    view = entity.view
    entity_name = entity.name
    if view is None:  # one text for every audience (a compliance day publishes ~100,000 such records)
        data = dumps(full)
        out.extend({"entity": entity_name, "record_id": record_id, "changed_at": now, "audience": audience,
                    "op": "put", "data": data} for audience in sorted(audiences))
        return audiences
    # One text per distinct view; each view is kept alive with its text, so its id()
    # cannot be reused by a later view of this loop.
    texts: dict[int, tuple[dict[str, Any], str]] = {}
    for audience in sorted(audiences):
        shown = full if view is None else view(audience, full)
        kept = texts.get(id(shown))
        if kept is None:
            kept = texts[id(shown)] = (shown, dumps(shown))
        data = kept[1]
        out.append({"entity": entity_name, "record_id": record_id, "changed_at": now,
                    "audience": audience, "op": "put", "data": data})
    return audiences


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released, not the transaction
    batch = session.info.get(PENDING_KEY)
    if batch is None or not (batch.items or batch.wake):
        return
    touched = flush(session, batch) | batch.wake
    batch.items.clear()
    batch.wake.clear()
    if touched:
        batch.seams.notifier.before_commit(session, touched)
        session.info[WAKE_KEY] = (batch.seams, touched)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    wake = session.info.pop(WAKE_KEY, None)
    if wake is not None:
        seams, touched = wake
        seams.notifier.after_commit(touched)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # outermost: committed or rolled back, either way done
        session.info.pop(PENDING_KEY, None)
        session.info.pop(WAKE_KEY, None)


def install() -> None:
    """Listen on every :class:`Session` (idempotent). Engines are found per session."""
    if event.contains(Session, "before_commit", _before_commit):
        return
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
