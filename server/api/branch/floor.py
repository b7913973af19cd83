"""Floor rounds and coaching of a business day (R-OPS-1, R-OPS-2)."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.floor import FloorQuery
from ...schemas.listing import PageIn, PageOut
from ...services import floor as floor_service
from ...services import listing as Q
from ...services.access import require_reader
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/floor-rounds")
@doc(query=FloorQuery, response=PageOut, errors=(403, 404, 422), tags=["field"])
@auth_required
def list_floor_rounds(branch_id: uuid.UUID) -> dict:
    """The floor rounds of a business day with their slots (R-OPS-1); ``?date=&slot=``."""
    branch = require_reader(current_auth().staff, branch_id, "floor_round")
    args = load(FloorQuery(), request.args)
    day, _, _ = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **floor_service.list_rounds(branch, day, **args)}


@bp.get("/coaching")
@doc(query=PageIn, response=PageOut, errors=(403, 404, 422), tags=["field"])
@auth_required
def list_coaching(branch_id: uuid.UUID) -> dict:
    """Coaching demonstrations of a business day (R-OPS-2); ``?date=``."""
    branch = require_reader(current_auth().staff, branch_id, "coaching")
    args = load(PageIn(), request.args)
    day, _, _ = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **floor_service.list_coaching(branch, day, **args)}
