"""Handovers of a branch-local day with both parties (R-SEC-2)."""
from __future__ import annotations

import uuid

from ...schemas.handover import HandoverPage, HandoverQuery
from ...services import handover as handover_service
from ...services import listing as Q
from ...services.access import require_reader
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/handovers", tags=["field"])
@problems(403, 404)
@auth_required
@bp.arguments(HandoverQuery, location="query")
@bp.response(200, HandoverPage)
def list_handovers(args: dict, branch_id: uuid.UUID) -> dict:
    """Handovers of a branch-local day with both parties (R-SEC-2); ``?date=&status=``."""
    branch = require_reader(current_auth().staff, branch_id, "handover")
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **handover_service.list_handovers(branch, start, end, **args)}
