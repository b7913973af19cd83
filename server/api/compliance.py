"""Compliance across branches (#14): the regional view of a day. A branch's own day and
its "today at a glance" are ``api/branch/compliance.py``."""
from __future__ import annotations

from ..schemas.compliance import ComplianceDayQuery, RegionalDay
from ..services import compliance as compliance_service
from .context import auth_required, current_auth
from .openapi import Blueprint, problems

bp = Blueprint("compliance", __name__, url_prefix="/api")


@bp.get("/compliance", tags=["compliance"])
@problems(403)
@auth_required
@bp.arguments(ComplianceDayQuery, location="query")
@bp.response(200, RegionalDay)
def regional(args: dict) -> dict:
    """``?date=``: every branch's obligations of that day counted by rule and status."""
    return compliance_service.regional_day(current_auth().staff, args["date"])
