"""The lobby across branches (issue #13): daily statistics of every branch the caller
reads (regional officers: all), and the JR/T 0169-2018 table administrators correct."""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..schemas import complaint as CS
from ..services import complaint_codes, statistics
from .context import auth_required, current_auth, load, now
from .openapi import doc

bp = Blueprint("lobby", __name__, url_prefix="/api")


@bp.get("/lobby/stats")
@doc(query=CS.StatsQuery, errors=(403, 422), tags=["lobby"])
@auth_required
def all_stats() -> Response:
    """Daily statistics across the branches the caller reads; ``?date=&format=``."""
    return statistics.response(current_auth().staff, None, load(CS.StatsQuery(), request.args.to_dict()))


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
    return complaint_codes.correct(current_auth().staff, axis, code, load(CS.CodeCorrection()), now())
