"""The lobby across branches (issue #13): daily statistics of every branch the caller
reads (regional officers: all), and the JR/T 0169-2018 table administrators correct.
A branch's own statistics are ``api/branch/complaint.py``."""
from __future__ import annotations

from flask import Response

from ..schemas import complaint as CS
from ..services import complaint_codes, statistics
from .context import auth_required, current_auth, now
from .openapi import Blueprint, also_as, problems

bp = Blueprint("lobby", __name__, url_prefix="/api")
#: ``?format=csv|xlsx`` answer a download instead of JSON.
STATS_FILES = (statistics.FORMATS["csv"], statistics.FORMATS["xlsx"])


@bp.get("/lobby/stats", tags=["lobby"])
@problems(403)
@auth_required
@bp.arguments(CS.StatsQuery, location="query")
@bp.response(200, CS.DailyStats)
@also_as(*STATS_FILES)
def all_stats(args: dict) -> Response:
    """Daily statistics across the branches the caller reads; ``?date=&format=``."""
    return statistics.response(current_auth().staff, None, args)


@bp.get("/complaint-codes", tags=["lobby"])
@auth_required
@bp.response(200, CS.CodeTable)
def list_codes() -> dict:
    """The JR/T 0169-2018 classification in use (built-in table plus corrections)."""
    return complaint_codes.table()


@bp.put("/complaint-codes/<axis>/<code>", tags=["lobby"])
@problems(403)
@auth_required
@bp.arguments(CS.CodeCorrection)
@bp.response(200, CS.CodeTable)
def correct_code(data: dict, axis: str, code: str) -> dict:
    """An administrator corrects, adds or retires one code; returns the whole table as corrected."""
    complaint_codes.correct(current_auth().staff, axis, code, data, now())
    return complaint_codes.table()
