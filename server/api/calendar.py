"""The working-day calendar for administrators: read a year, load or correct it (docs/calendar.md)."""
from __future__ import annotations

from ..schemas.calendar import CalendarYearIn, CalendarYearOut
from ..services import calendar as calendar_service
from .context import auth_required, current_auth, now
from .openapi import Blueprint, problems

bp = Blueprint("calendar", __name__, url_prefix="/api")


@bp.get("/calendar/<int:year>", tags=["calendar"])
@problems(403)
@auth_required
@bp.response(200, CalendarYearOut)
def get_year(year: int) -> dict:
    """What the calendar knows of a year: known or not, by which data, its holidays and 调休 days."""
    return calendar_service.show_year(current_auth().staff, year)


@bp.put("/calendar/<int:year>", tags=["calendar"])
@problems(403, 409)
@auth_required
@bp.arguments(CalendarYearIn)
@bp.response(200, CalendarYearOut)
def put_year(data: dict, year: int) -> dict:
    """Load a year as its new version (the previous one is kept as history).

    ``days`` lists the dates that differ from Monday-to-Friday or from the package;
    ``complete`` makes a year the package does not know (2027 today) known.
    """
    return calendar_service.load_year(current_auth().staff, year, data, now(), origin="api")
