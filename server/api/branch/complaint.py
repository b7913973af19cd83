"""The branch's complaint cases (R-CMP-3), their printable form, and the lobby's daily
statistics (R-CMP-10) as JSON, CSV or XLSX."""
from __future__ import annotations

import uuid

from flask import Response

from ...schemas import complaint as CS
from ...services import complaint as complaint_service
from ...services import complaint_form, statistics
from ..context import auth_required, current_auth, now
from ..lobby import STATS_FILES
from ..openapi import also_as, problems
from . import bp


@bp.get("/complaints", tags=["lobby"])
@problems(403, 404)
@auth_required
@bp.arguments(CS.ComplaintQuery, location="query")
@bp.response(200, CS.ComplaintPage)
def complaints(query: dict, branch_id: uuid.UUID) -> dict:
    """Cases with both clocks and their events; ``?status=&channel=&date=&overdue=``."""
    return complaint_service.list_cases(current_auth().staff, branch_id, query | {"now": now()})


@bp.get("/complaints/<uuid:complaint_id>", tags=["lobby"])
@problems(403, 404)
@auth_required
@bp.response(200, CS.ComplaintCase)
def complaint(branch_id: uuid.UUID, complaint_id: uuid.UUID) -> dict:
    """One case: the intake form as data, both clocks, every event."""
    return complaint_service.get_case(current_auth().staff, branch_id, complaint_id).to_dict()


@bp.get("/complaints/<uuid:complaint_id>/form", tags=["lobby"])
@problems(403, 404)
@auth_required
@bp.response(200, description="The printable form (text/html)")
def complaint_form_page(branch_id: uuid.UUID, complaint_id: uuid.UUID) -> Response:
    """The printable 客户投诉受理和处理报告表 (A4, Chinese, no CDN)."""
    return Response(complaint_form.render(current_auth().staff, branch_id, complaint_id), mimetype="text/html")


@bp.get("/lobby/stats", tags=["lobby"])
@problems(403, 404)
@auth_required
@bp.arguments(CS.StatsQuery, location="query")
@bp.response(200, CS.DailyStats)
@also_as(*STATS_FILES)
def lobby_stats(args: dict, branch_id: uuid.UUID) -> Response:
    """The branch's daily statistics; ``?date=&format=json|csv|xlsx``."""
    return statistics.response(current_auth().staff, branch_id, args)
