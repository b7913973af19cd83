"""Supervision of the mutation log: rejected mutations of a branch, one client's log.

Nothing a device sent is thrown away (sync-protocol "Push"); supervisors (administrator,
operations manager) of the branch can read it. A row's ``args`` (and ``raw``, the mutation
as sent) reach only a reader allowed to read what they describe
(:func:`server.rules.permissions.may_read_args`, R-SEC-10); otherwise they are withheld
(``args_withheld: true``) and the row's metadata and error stay visible.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models.org import Staff
from ..rules import permissions as P
from ..rules.roles import ADMIN, SUPERVISORS
from sync import iso, quota_dict

from ..sync_setup import engine
from .auth import Authenticated


def _may_supervise(actor: Authenticated, branch_id: uuid.UUID | None) -> bool:
    if actor.staff.role not in SUPERVISORS:
        raise Forbidden("Only an administrator or the branch's operations manager can read the mutation log.")
    global_admin = actor.staff.role == ADMIN and actor.staff.branch_id is None
    return global_admin or (branch_id is not None and branch_id == actor.staff.branch_id)


def _page(actor: Authenticated, items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    more = len(items) > limit
    return {"items": _withhold(actor.staff.role, items[:limit]), "next_offset": offset + limit if more else None}


def _withhold(reader_role: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` with ``args``/``raw`` withheld where ``reader_role`` may not read them
    (one query for the authors' roles)."""
    authors = {uuid.UUID(item["staff_id"]) for item in items}
    roles = dict(db.session.execute(select(Staff.id, Staff.role).where(Staff.id.in_(authors))).all()) if authors else {}
    for item in items:
        readable = P.may_read_args(reader_role, roles.get(uuid.UUID(item["staff_id"])), item["name"])
        item["args_withheld"] = not readable
        if not readable:
            item["args"] = item["raw"] = None
    return items


def rejected_mutations(actor: Authenticated, branch_id: uuid.UUID, *, limit: int, offset: int, **_: Any) -> dict[str, Any]:
    """Rejected mutations sent by staff of ``branch_id``, newest first (supervisors only).

    Raises :class:`Forbidden` for other roles, :class:`NotFound` for another branch.
    """
    if not _may_supervise(actor, branch_id):
        raise NotFound("No such branch in your reach.")
    items = engine().list_mutations(db.session, branch_id=branch_id, status="rejected", limit=limit + 1, offset=offset)
    page = _page(actor, items, limit, offset)
    # Clients whose pushes were refused for their rejected mutations (#12), latest first.
    refused = [c for c in engine().clients(db.session, branch_id=branch_id) if c["refused_pushes"]]
    page["refused_clients"] = [
        {"client_id": str(c["client_id"]), "staff_id": str(c["staff_id"]), "rejected_since": iso(c["rejected_since"]),
         "rejected_bytes": c["rejected_bytes"], "refused_pushes": c["refused_pushes"],
         "last_refused_at": iso(c["last_refused_at"])}
        for c in sorted(refused, key=lambda c: c["last_refused_at"], reverse=True)
    ]
    return page


def client_mutations(
    actor: Authenticated, client_id: uuid.UUID, *, limit: int, offset: int, status: str | None = None
) -> dict[str, Any]:
    """One client's mutation log, newest first, optionally by ``status`` (supervisors only)."""
    client = engine().get_client(db.session, client_id)
    if client is None or not _may_supervise(actor, client.branch_id):
        if actor.staff.role not in SUPERVISORS:
            raise Forbidden("Only an administrator or the branch's operations manager can read the mutation log.")
        raise NotFound("No such client in your branch.")
    items = engine().list_mutations(db.session, client_id=client_id, status=status, limit=limit + 1, offset=offset)
    page = _page(actor, items, limit, offset)
    page["client"] = {
        "client_id": str(client.client_id),
        "staff_id": str(client.staff_id),
        "last_mutation_id": client.last_mutation_id,
        **quota_dict(client),
    }
    return page
