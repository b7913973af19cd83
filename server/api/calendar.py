"""The working-day calendar for administrators: read a year, load or correct it (docs/calendar.md)."""
from __future__ import annotations

from flask import Blueprint

from ..schemas.calendar import CalendarYearIn, CalendarYearOut
from ..services import calendar as calendar_service
from .context import auth_required, current_auth, load, now
from .openapi import doc

bp = Blueprint("calendar", __name__, url_prefix="/api")


@bp.get("/calendar/<int:year>")
@doc(response=CalendarYearOut, errors=(401, 403), tags=["calendar"])
@auth_required
def get_year(year: int) -> dict:
    """What the calendar knows of a year: known or not, by which data, its holidays and 调休 days."""
    return CalendarYearOut().dump(calendar_service.show_year(current_auth().staff, year))


@bp.put("/calendar/<int:year>")
@doc(body=CalendarYearIn, response=CalendarYearOut, errors=(401, 403, 409, 422), tags=["calendar"])
@auth_required
def put_year(year: int) -> dict:
    """Load a year as its new version (the previous one is kept as history).

    ``days`` lists the dates that differ from Monday-to-Friday or from the package;
    ``complete`` makes a year the package does not know (2027 today) known.
    """
    data = load(CalendarYearIn())
    shown = calendar_service.load_year(current_auth().staff, year, data, now(), origin="api")
    return CalendarYearOut().dump(shown)
