"""Patrols of a branch by clock hour, each with its R-SEC-5 verdict."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.patrol import PatrolDayQuery
from ...services import patrol as patrol_service
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/patrols")
@doc(query=PatrolDayQuery, errors=(403, 404, 422), tags=["patrols"])
@auth_required
def patrols_by_hour(branch_id: uuid.UUID) -> dict:
    """``?date=YYYY-MM-DD`` (branch local): guarded clock hours, each with its verdict."""
    day = load(PatrolDayQuery(), request.args.to_dict())["date"]
    branch, hours = patrol_service.patrols_by_hour(current_auth().staff, branch_id, day, now())
    return {
        "branch_id": str(branch.id),
        "date": day.isoformat(),
        "timezone": branch.timezone,
        "rule": "R-SEC-5",
        "hours": [patrol_service.hour_dict(h) for h in hours],
    }


