"""Incidents of a branch for supervisors (R-SEC-4)."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.incident import IncidentQuery
from ...services import incident as incident_service
from ..context import auth_required, current_auth, load
from ..openapi import doc
from . import bp


@bp.get("/incidents")
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
