"""Supervisors' reads: patrols by hour with the R-SEC-5 verdict, incidents (R-SEC-4)."""
from __future__ import annotations

import uuid

from flask import Blueprint, request

from ..schemas.patrol import IncidentQuery, PatrolDayQuery
from ..services import incident as incident_service
from ..services import patrol as patrol_service
from .context import auth_required, current_auth, load, now
from .openapi import doc

bp = Blueprint("patrols", __name__, url_prefix="/api")


@bp.get("/branches/<uuid:branch_id>/patrols")
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


@bp.get("/branches/<uuid:branch_id>/incidents")
@doc(query=IncidentQuery, errors=(403, 404, 422), tags=["incidents"])
@auth_required
def incidents(branch_id: uuid.UUID) -> dict:
    """``?status=open|resolved|all&severity=&category=&missing_photos=true&limit=&offset=``."""
    query = load(IncidentQuery(), request.args.to_dict())
    rows, total = incident_service.list_incidents(current_auth().staff, branch_id, query)
    nxt = query["offset"] + len(rows)
    return {
        "incidents": [r.to_dict() for r in rows],
        "total": total,
        "limit": query["limit"],
        "offset": query["offset"],
        "next_offset": nxt if nxt < total else None,
    }
