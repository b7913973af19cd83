"""The lobby over REST (issue #13): supervisors' reads of the suggestion box and complaint
cases under ``/api/branches/<branch_id>/``, the printable intake form, the daily
statistics (JSON, CSV, XLSX), and the JR/T 0169-2018 table. Devices write through sync."""
from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, request

from ..schemas import complaint as CS
from ..schemas.field_api import PageOut
from ..schemas.suggestion import BoxSessionQuery
from ..services import complaint, complaint_codes, complaint_form, statistics, suggestion
from .context import auth_required, current_auth, load, now
from .openapi import doc

bp = Blueprint("lobby", __name__, url_prefix="/api")
_BRANCH = "/branches/<uuid:branch_id>"


@bp.get(f"{_BRANCH}/box-sessions")
@doc(query=BoxSessionQuery, response=PageOut, errors=(403, 404, 422), tags=["lobby"])
@auth_required
def list_box_sessions(branch_id: uuid.UUID) -> dict:
    """The branch's suggestion-box sessions with entries and callbacks (R-BOX-1..3)."""
    return suggestion.list_sessions(current_auth().staff, branch_id, load(BoxSessionQuery(), request.args))


@bp.get(f"{_BRANCH}/complaints")
@doc(query=CS.ComplaintQuery, response=PageOut, errors=(403, 404, 422), tags=["lobby"])
@auth_required
def list_complaints(branch_id: uuid.UUID) -> dict:
    """The branch's complaint cases with both clocks and their events (R-CMP-3)."""
    query = load(CS.ComplaintQuery(), request.args) | {"now": now()}
    return complaint.list_cases(current_auth().staff, branch_id, query)


@bp.get(f"{_BRANCH}/complaints/<uuid:complaint_id>")
@doc(errors=(403, 404), tags=["lobby"])
@auth_required
def get_complaint(branch_id: uuid.UUID, complaint_id: uuid.UUID) -> dict:
    """One case: the intake form as data, both clocks, every event."""
    return complaint.get_case(current_auth().staff, branch_id, complaint_id).to_dict()


@bp.get(f"{_BRANCH}/complaints/<uuid:complaint_id>/form")
@doc(errors=(403, 404), tags=["lobby"])
@auth_required
def complaint_form_page(branch_id: uuid.UUID, complaint_id: uuid.UUID) -> Response:
    """The printable 客户投诉受理和处理报告表 (A4, Chinese, no CDN)."""
    html = complaint_form.render(current_auth().staff, branch_id, complaint_id)
    return Response(html, mimetype="text/html")


@bp.get(f"{_BRANCH}/lobby/stats")
@doc(query=CS.StatsQuery, errors=(403, 404, 422), tags=["lobby"])
@auth_required
def branch_stats(branch_id: uuid.UUID) -> Response:
    """A branch's daily statistics (R-CMP-10): ``?date=&format=json|csv|xlsx``."""
    return _stats(branch_id)


@bp.get("/lobby/stats")
@doc(query=CS.StatsQuery, errors=(403, 422), tags=["lobby"])
@auth_required
def all_stats() -> Response:
    """Daily statistics across the branches the caller reads (regional officers: all)."""
    return _stats(None)


def _stats(branch_id: uuid.UUID | None) -> Response:
    args = load(CS.StatsQuery(), request.args)
    data = statistics.daily(statistics.readable_branches(current_auth().staff, branch_id), args["date"])
    fmt = args["format"]
    body = {"json": lambda: json.dumps(data, ensure_ascii=False), "csv": lambda: statistics.to_csv(data),
            "xlsx": lambda: statistics.to_xlsx(data)}[fmt]()
    name = f"lobby-stats-{args['date'].isoformat()}.{fmt}"
    headers = {} if fmt == "json" else {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, mimetype=statistics.FORMATS[fmt], headers=headers)


@bp.get("/complaint-codes")
@doc(errors=(401,), tags=["lobby"])
@auth_required
def list_codes() -> dict:
    """The JR/T 0169-2018 classification in use (built-in table plus corrections)."""
    return complaint_codes.table()


@bp.put("/complaint-codes/<axis>/<code>")
@doc(body=CS.CodeCorrection, errors=(403, 422), tags=["lobby"])
@auth_required
def correct_code(axis: str, code: str) -> dict:
    """An administrator corrects, adds or retires one code; returns the axis."""
    data = load(CS.CodeCorrection())
    return complaint_codes.correct(current_auth().staff, axis, code, data, now())
