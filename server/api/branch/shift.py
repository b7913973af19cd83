"""Shifts and unstaffed posts of a branch (R-SEC-2)."""
from __future__ import annotations

import uuid

from ...schemas.shift import AtQuery, ShiftPage, ShiftQuery, UnstaffedList
from ...services import listing as Q
from ...services import roster as roster_service
from ...services import shift as shift_service
from ...services.access import require_reader
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/shifts", tags=["field"])
@problems(403, 404)
@auth_required
@bp.arguments(ShiftQuery, location="query")
@bp.response(200, ShiftPage)
def list_shifts(args: dict, branch_id: uuid.UUID) -> dict:
    """Shifts that ran on a branch-local day (R-SEC-2); ``?date=&post=&staff_id=&open=``."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **shift_service.list_shifts(branch, start, end, **args)}


@bp.get("/unstaffed-posts", tags=["field"])
@problems(403, 404)
@auth_required
@bp.arguments(AtQuery, location="query")
@bp.response(200, UnstaffedList)
def unstaffed_posts(args: dict, branch_id: uuid.UUID) -> dict:
    """Planned shifts nobody started within the grace period, as of ``?at=`` (R-SEC-2)."""
    branch = require_reader(current_auth().staff, branch_id, "shift")
    at = args["at"] or now()
    found = roster_service.unstaffed(branch, at)
    return {"at": at, "unstaffed": [{"roster_id": u.planned_id, "post": u.post, "staff_id": u.staff_id,
                                     "starts_at": u.starts_at, "due_by": u.due_by, "rule": "R-SEC-2"} for u in found]}
