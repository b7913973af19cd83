"""Compliance reads (#14): a branch's day as the contract says, the regional view, and
supervisors' "today at a glance"."""
from __future__ import annotations

import uuid

from flask import Blueprint, request

from ..schemas.compliance import ComplianceDayQuery
from ..services import compliance as compliance_service
from .context import auth_required, current_auth, load, now
from .openapi import doc

bp = Blueprint("compliance", __name__, url_prefix="/api")


@bp.get("/branches/<uuid:branch_id>/compliance")
@doc(query=ComplianceDayQuery, errors=(403, 404, 422), tags=["compliance"])
@auth_required
def branch_day(branch_id: uuid.UUID) -> dict:
    """``?date=YYYY-MM-DD`` (branch local): every obligation with its status and evidence,
    each device's watermark, the patrol day's coverage and longest unwatched stretch."""
    day = load(ComplianceDayQuery(), request.args.to_dict())["date"]
    return compliance_service.branch_day(current_auth().staff, branch_id, day, now())


@bp.get("/branches/<uuid:branch_id>/today")
@doc(errors=(403, 404), tags=["compliance"])
@auth_required
def today(branch_id: uuid.UUID) -> dict:
    """Today at a glance: patrol hour grid, the day's obligations, open alerts, rejected mutations."""
    return compliance_service.today(current_auth().staff, branch_id, now())


@bp.get("/compliance")
@doc(query=ComplianceDayQuery, errors=(403, 422), tags=["compliance"])
@auth_required
def regional() -> dict:
    """``?date=``: every branch's obligations of that day counted by rule and status."""
    day = load(ComplianceDayQuery(), request.args.to_dict())["date"]
    return compliance_service.regional_day(current_auth().staff, day)
