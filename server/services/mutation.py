"""What the mutation services share: rejection, branch lookup, affected records.

Every mutation service has one shape, ``fn(session, who, times, args) -> Affected``: it
runs inside the sync engine's per-mutation savepoint, never commits, refuses with
:func:`reject` (one code per meaning), and returns the records it touched as
``[(entity, obj)]``, which the handler publishes with :func:`publish`.
"""
from __future__ import annotations

import functools
import uuid
from typing import Any, Callable, Hashable, NoReturn

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from sync import Batch, MutationContext, MutationRejected, Principal

from ..models.org import Branch

Affected = list[tuple[str, Any]]
Service = Callable[..., Affected]


def reject(code: str, message: str, *, rule: str | None = None, field: str | None = None,
           errors: dict[str, list[str]] | None = None) -> NoReturn:
    """Refuse the mutation with a stable ``code`` (and the manual's ``rule`` id). ``field``
    names the arg at fault (with ``message``); ``errors`` tells the device more, arg or
    fact → messages (what the case is now, which entries lack a reply)."""
    detail = {**({field: [message]} if field else {}), **(errors or {})}
    raise MutationRejected(code, message, rule=rule, errors=detail or None)


#: ``session.info`` key of what :func:`held` keeps: ``(transaction, {key: value})``.
_HELD = "fieldops.held"


def plain(session: Session) -> Session:
    """The session itself, for a scoped session (``db.session``) too: what the scoped
    proxy does not pass on (``get_transaction``, ``get_nested_transaction``)."""
    return session if isinstance(session, Session) else session()


def held(session: Session, key: Hashable, load: Callable[[], Any], *, savepoint: bool = False) -> Any:
    """``load()``, called once per transaction of ``session`` and kept under ``key`` until
    the transaction ends (#17): what every mutation of a push consults and nothing in a
    push writes (its branch, the complaint classification, checkpoint codes). The next
    transaction loads again, so a change committed in between is seen by the next push.
    A mutable value (a dict) may be filled in as the push goes.

    ``savepoint``: once per savepoint (the innermost open one, else the transaction), for
    what a rollback to it would undo: a row lock, records the push wrote and keeps in the
    value. The engine's optimistic run is one savepoint; its careful replay, one per
    mutation, loads again."""
    session = plain(session)
    transaction = session.get_transaction()
    kept = session.info.get(_HELD)
    if kept is None or kept[0] is not transaction:
        kept = session.info[_HELD] = (transaction, {})
    if savepoint:
        key = (key, session.get_nested_transaction() or transaction)
    if key not in kept[1]:
        kept[1][key] = load()
    return kept[1][key]


def found(session: Session, model: type, record_id: Any) -> Any:
    """``session.get(model, record_id)``, also for a record the session added and has not
    flushed yet: the identity map takes a new record in only at its flush, so a case
    opened and resolved in one segment of a push (#17) was read back with a SELECT, after
    an autoflush. Single-column primary keys."""
    key = _primary_key(model)
    for obj in plain(session).new:
        if type(obj) is model and getattr(obj, key) == record_id:
            return obj
    return session.get(model, record_id)


@functools.cache
def _primary_key(model: type) -> str:
    mapper = inspect(model)
    [column] = mapper.primary_key
    return mapper.get_property_by_column(column).key


def branch_row(session: Session, branch_id: uuid.UUID) -> Branch | None:
    """``session.get(Branch, branch_id)``, held for the transaction (:func:`held`).

    The identity map holds objects weakly: without a reference kept, every mutation of a
    push read its branch again (one SELECT each, a fifth of a complaint's cost). Nothing
    a push does writes a branch row."""
    return held(session, ("branch", branch_id), lambda: session.get(Branch, branch_id))


def branch_of(session: Session, who: Principal) -> Branch:
    """The actor's branch; an actor without one cannot record field work."""
    branch = branch_row(session, who.branch_id) if who.branch_id else None
    if branch is None:
        reject("no_branch", "Field work is recorded in a branch; this account has none.")
    return branch


def ensure_new(session: Session, model: type, record_id: uuid.UUID, field: str, *,
               batch: Batch | None = None) -> None:
    """Refuse a device-made id that already names another record (``duplicate_record_id``).

    A replay of the *same* mutation never gets here: the engine answers it as a duplicate.

    In an optimistic run (``batch``: the handler's ``ctx.prefetched``, #17) it reads
    nothing: the record's primary key decides when its row is written, inside the run's
    SAVEPOINT, and a taken id fails that write, which replays the run one mutation at a
    time without a batch, where this check rejects it with its code (``sync/batch.py``:
    a decision taken ahead is backed by a constraint). One SELECT less per new record.
    """
    if batch is not None:
        return
    if session.get(model, record_id) is not None:
        reject("duplicate_record_id", f"{field} {record_id} is already used.", field=field)


def publish(ctx: MutationContext, service: Service, args: dict[str, Any], *, created: bool = False,
            **extra: Any) -> list[str]:
    """Run ``service(session, who, times, args, **extra)`` and ``ctx.put`` every record it
    touched (``created``: each was just checked new); returns their ids (for the log).

    The one way a mutator applies its service: every handler is ``publish(ctx, service, args)``
    (or, when compliance must see the records, ``rejudged(ctx, published(...))``).
    """
    return ids(published(ctx, service, args, created=created, **extra))


def published(ctx: MutationContext, service: Service, args: dict[str, Any], *, created: bool = False,
              **extra: Any) -> Affected:
    """:func:`publish`, returning the records themselves: what a push re-judges is what
    they can touch (#17)."""
    affected = service(ctx.session, ctx.principal, ctx.times, args, **extra)
    for entity, obj in affected:
        ctx.put(entity, obj, created=created)
    return affected


def ids(affected: Affected) -> list[str]:
    """The ids of ``affected`` records, as the mutation log keeps them."""
    return [str(obj.id) for _, obj in affected]
