"""Shifts and unstaffed posts of a branch (R-SEC-2)."""
from __future__ import annotations

import uuid

from flask import request

from ...models.base import iso
from ...schemas.listing import PageOut
from ...schemas.shift import AtQuery, ShiftQuery
from ...services import listing as Q
from ...services import roster as roster_service
from ...services import shift as shift_service
from ...services.access import require_reader
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/shifts")
@doc(query=ShiftQuery, response=PageOut, errors=(403, 404, 422), tags=["field"])
@auth_required
def list_shifts(branch_id: uuid.UUID) -> dict:
    """Shifts that ran on a branch-local day (R-SEC-2); ``?date=&post=&staff_id=&open=``."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    args = load(ShiftQuery(), request.args)
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **shift_service.list_shifts(branch, start, end, **args)}




@bp.get("/unstaffed-posts")
@doc(query=AtQuery, errors=(403, 404, 422), tags=["field"])
@auth_required
def unstaffed_posts(branch_id: uuid.UUID) -> dict:
    """Planned shifts nobody started within the grace period, as of ``?at=`` (R-SEC-2)."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    at = load(AtQuery(), request.args)["at"] or now()
    found = roster_service.unstaffed(branch, at)
    return {"at": iso(at), "unstaffed": [
        {"roster_id": str(u.planned_id), "post": u.post, "staff_id": str(u.staff_id) if u.staff_id else None,
         "starts_at": iso(u.starts_at), "due_by": iso(u.due_by), "rule": "R-SEC-2"} for u in found]}
