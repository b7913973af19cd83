"""Patrols of a branch by clock hour, each with its R-SEC-5 verdict."""
from __future__ import annotations

import uuid

from ...schemas.patrol import PatrolDay, PatrolDayQuery
from ...services import patrol as patrol_service
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/patrols", tags=["patrols"])
@problems(403, 404)
@auth_required
@bp.arguments(PatrolDayQuery, location="query")
@bp.response(200, PatrolDay)
def patrols_by_hour(args: dict, branch_id: uuid.UUID) -> dict:
    """``?date=YYYY-MM-DD`` (branch local): guarded clock hours, each with its verdict."""
    day = args["date"]
    branch, hours = patrol_service.patrols_by_hour(current_auth().staff, branch_id, day, now())
    return {"branch_id": branch.id, "date": day.isoformat(), "timezone": branch.timezone, "rule": "R-SEC-5",
            "hours": [patrol_service.hour_dict(h) for h in hours]}
