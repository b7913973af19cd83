"""Handovers of a branch-local day with both parties (R-SEC-2)."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.handover import HandoverQuery
from ...schemas.listing import PageOut
from ...services import handover as handover_service
from ...services import listing as Q
from ...services.access import require_reader
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/handovers")
@doc(query=HandoverQuery, response=PageOut, errors=(403, 404, 422), tags=["field"])
@auth_required
def list_handovers(branch_id: uuid.UUID) -> dict:
    """Handovers of a branch-local day with both parties (R-SEC-2); ``?date=&status=``."""
    branch = require_reader(current_auth().staff, branch_id, "handover")
    args = load(HandoverQuery(), request.args)
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **handover_service.list_handovers(branch, start, end, **args)}
