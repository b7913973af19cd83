"""Floor rounds and coaching of a business day (R-OPS-1, R-OPS-2)."""
from __future__ import annotations

import uuid

from ...schemas.floor import CoachingPage, FloorQuery, FloorRoundPage
from ...schemas.listing import PageIn
from ...services import floor as floor_service
from ...services import listing as Q
from ...services.access import require_reader
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/floor-rounds", tags=["field"])
@problems(403, 404)
@auth_required
@bp.arguments(FloorQuery, location="query")
@bp.response(200, FloorRoundPage)
def list_floor_rounds(args: dict, branch_id: uuid.UUID) -> dict:
    """The floor rounds of a business day with their slots (R-OPS-1); ``?date=&slot=``."""
    branch = require_reader(current_auth().staff, branch_id, "floor_round")
    day, _, _ = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **floor_service.list_rounds(branch, day, **args)}


@bp.get("/coaching", tags=["field"])
@problems(403, 404)
@auth_required
@bp.arguments(PageIn, location="query")
@bp.response(200, CoachingPage)
def list_coaching(args: dict, branch_id: uuid.UUID) -> dict:
    """Coaching demonstrations of a business day (R-OPS-2); ``?date=``."""
    branch = require_reader(current_auth().staff, branch_id, "coaching")
    day, _, _ = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **floor_service.list_coaching(branch, day, **args)}
