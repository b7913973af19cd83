"""The branch's complaint cases (R-CMP-3), their printable form, and the lobby's daily
statistics (R-CMP-10) as JSON, CSV or XLSX."""
from __future__ import annotations

import uuid

from flask import Response, request

from ...schemas import complaint as CS
from ...schemas.listing import PageOut
from ...services import complaint as complaint_service
from ...services import complaint_form, statistics
from ..context import auth_required, current_auth, load, now
from ..openapi import doc
from . import bp


@bp.get("/complaints")
@doc(query=CS.ComplaintQuery, response=PageOut, errors=(403, 404, 422), tags=["lobby"])
@auth_required
def complaints(branch_id: uuid.UUID) -> dict:
    """Cases with both clocks and their events; ``?status=&channel=&date=&overdue=``."""
    query = load(CS.ComplaintQuery(), request.args.to_dict()) | {"now": now()}
    return complaint_service.list_cases(current_auth().staff, branch_id, query)


@bp.get("/complaints/<uuid:complaint_id>")
@doc(errors=(403, 404), tags=["lobby"])
@auth_required
def complaint(branch_id: uuid.UUID, complaint_id: uuid.UUID) -> dict:
    """One case: the intake form as data, both clocks, every event."""
    return complaint_service.get_case(current_auth().staff, branch_id, complaint_id).to_dict()


@bp.get("/complaints/<uuid:complaint_id>/form")
@doc(errors=(403, 404), tags=["lobby"])
@auth_required
def complaint_form_page(branch_id: uuid.UUID, complaint_id: uuid.UUID) -> Response:
    """The printable 客户投诉受理和处理报告表 (A4, Chinese, no CDN)."""
    return Response(complaint_form.render(current_auth().staff, branch_id, complaint_id), mimetype="text/html")


@bp.get("/lobby/stats")
@doc(query=CS.StatsQuery, errors=(403, 404, 422), tags=["lobby"])
@auth_required
def lobby_stats(branch_id: uuid.UUID) -> Response:
    """The branch's daily statistics; ``?date=&format=json|csv|xlsx``."""
    return statistics.response(current_auth().staff, branch_id, load(CS.StatsQuery(), request.args.to_dict()))
