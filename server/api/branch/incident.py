"""Incidents of a branch for supervisors (R-SEC-4)."""
from __future__ import annotations

import uuid

from ...schemas.incident import IncidentPage, IncidentQuery
from ...services import incident as incident_service
from ..context import auth_required, current_auth
from ..openapi import problems
from . import bp


@bp.get("/incidents", tags=["incidents"])
@problems(403, 404)
@auth_required
@bp.arguments(IncidentQuery, location="query")
@bp.response(200, IncidentPage)
def incidents(query: dict, branch_id: uuid.UUID) -> dict:
    """``?status=open|resolved|all&severity=&category=&missing_photos=true&limit=&offset=``."""
    rows, total = incident_service.list_incidents(current_auth().staff, branch_id, query)
    nxt = query["offset"] + len(rows)
    return {"items": [r.to_dict() for r in rows], "total": total, "limit": query["limit"],
            "offset": query["offset"], "next_offset": nxt if nxt < total else None}
