"""Cleaning done on a branch-local day (R-SEC-6)."""
from __future__ import annotations

import uuid

from ...schemas.cleaning import CleaningPage, CleaningQuery
from ...services import cleaning as cleaning_service
from ...services import listing as Q
from ...services.access import require_reader
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/cleaning", tags=["field"])
@problems(403, 404)
@auth_required
@bp.arguments(CleaningQuery, location="query")
@bp.response(200, CleaningPage)
def list_cleaning(args: dict, branch_id: uuid.UUID) -> dict:
    """Cleaning done on a branch-local day (R-SEC-6); ``?date=&area=&staff_id=``."""
    branch = require_reader(current_auth().staff, branch_id, "cleaning")
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **cleaning_service.list_cleaning(branch, start, end, **args)}
