"""A branch's compliance (#14): its day as the contract says, and supervisors' "today at a glance"."""
from __future__ import annotations

import uuid

from ...schemas.compliance import ComplianceDay, ComplianceDayQuery, TodayOut
from ...services import compliance as compliance_service
from ..context import auth_required, current_auth, now
from ..openapi import problems
from . import bp


@bp.get("/compliance", tags=["compliance"])
@problems(403, 404)
@auth_required
@bp.arguments(ComplianceDayQuery, location="query")
@bp.response(200, ComplianceDay)
def branch_day(args: dict, branch_id: uuid.UUID) -> dict:
    """``?date=YYYY-MM-DD`` (branch local): every obligation with its status and evidence,
    each device's watermark, the patrol day's coverage and longest unwatched stretch."""
    return compliance_service.branch_day(current_auth().staff, branch_id, args["date"], now())


@bp.get("/today", tags=["compliance"])
@problems(403, 404)
@auth_required
@bp.response(200, TodayOut)
def today(branch_id: uuid.UUID) -> dict:
    """Today at a glance: patrol hour grid, the day's obligations, open alerts, rejected mutations."""
    return compliance_service.today(current_auth().staff, branch_id, now())
