"""Cleaning done on a branch-local day (R-SEC-6)."""
from __future__ import annotations

import uuid

from flask import request

from ...schemas.cleaning import CleaningQuery
from ...schemas.listing import PageOut
from ...services import cleaning as cleaning_service
from ...services import listing as Q
from ...services.access import require_reader
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/cleaning")
@doc(query=CleaningQuery, response=PageOut, errors=(403, 404, 422), tags=["field"])
@auth_required
def list_cleaning(branch_id: uuid.UUID) -> dict:
    """Cleaning done on a branch-local day (R-SEC-6); ``?date=&area=&staff_id=``."""
    branch = require_reader(current_auth().staff, branch_id, "cleaning")
    args = load(CleaningQuery(), request.args)
    day, start, end = Q.day_of(branch, args.pop("date"), now())
    return {"date": day.isoformat(), **cleaning_service.list_cleaning(branch, start, end, **args)}
