"""What the mutation services share: rejection, branch lookup, affected records.

Mutation services run inside the sync engine's per-mutation savepoint: they never commit,
they raise :class:`~sync.errors.MutationRejected` to refuse, and return the records they
touched as ``[(entity, obj)]`` so the handler publishes them with ``ctx.put``.
"""
from __future__ import annotations

import uuid
from typing import Any, Callable, NoReturn

from sqlalchemy.orm import Session

from sync.context import MutationContext
from sync.errors import MutationRejected
from sync.registry import Principal

from ..models.org import Branch

Affected = list[tuple[str, Any]]
Service = Callable[..., Affected]


def reject(code: str, message: str, *, rule: str | None = None, field: str | None = None) -> NoReturn:
    """Refuse the mutation with a stable ``code`` (and the manual's ``rule`` id)."""
    raise MutationRejected(code, message, rule=rule, errors={field: [message]} if field else None)


def branch_of(session: Session, who: Principal) -> Branch:
    """The actor's branch; an actor without one cannot record field work."""
    branch = session.get(Branch, who.branch_id) if who.branch_id else None
    if branch is None:
        reject("no_branch", "Field work is recorded in a branch; this account has none.")
    return branch


def ensure_new(session: Session, model: type, record_id: uuid.UUID, field: str) -> None:
    """Refuse a device-made id that already names another record (``duplicate_record_id``).

    A replay of the *same* mutation never gets here: the engine answers it as a duplicate.
    """
    if session.get(model, record_id) is not None:
        reject("duplicate_record_id", f"{field} {record_id} is already used.", field=field)


def publish(ctx: MutationContext, service: Service, args: dict[str, Any]) -> list[str]:
    """Run ``service(session, principal, args, times)`` and ``ctx.put`` every record it
    touched; returns their ids (for the engine's log)."""
    affected = service(ctx.session, ctx.principal, args, ctx.times)
    for entity, obj in affected:
        ctx.put(entity, obj)
    return [str(obj.id) for _, obj in affected]
