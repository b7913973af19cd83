"""China's working-day calendar as a service: the lobby's and compliance's deadlines.

The calendar is the maintained ``chinese-calendar`` package plus what administrators
loaded (``models/calendar.py``), merged into the plain values ``rules/calendar.py``
takes. It is read with ONE query per transaction (cached on the session, so judging
1,400 branches asks the database once, never per day); a load in the same session drops
the cache. Callers:

- :func:`deadline_after` — "within n working days" of an event, in the branch's zone and
  business hours (R-CMP-6); a :class:`~server.rules.calendar.Deadline` or an explicit
  :class:`~server.rules.calendar.Unknown` (never a guess);
- :func:`working_day`, :func:`hours_key` — one date (R-SEC-5's holiday variant of
  guarded hours); they raise :class:`CalendarYearUnknown`;
- :func:`missing_years` — the standing "next year's calendar is missing" notice;
- :func:`show_year`, :func:`load_year` — the administrators' CLI and API.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping

import chinese_calendar
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..models.base import iso
from ..models.calendar import CalendarDay, CalendarLoad
from ..models.org import Staff
from ..rules import calendar as RC
from ..rules import permissions as P
from ..rules.settings import value

#: The label a deadline records when the package's data produced it.
PACKAGE_LABEL = f"chinese-calendar {chinese_calendar.__version__}"
#: Years the package knows (1.11.0: 2004-2026).
PACKAGE_YEARS = frozenset(d.year for d in chinese_calendar.holidays)
#: Years an administrator may load (the package starts at 2004).
LOADABLE_YEARS = range(2000, 2101)
_CACHE_KEY = "calendar.working_calendar"


class CalendarYearUnknown(Conflict):
    """A date in a year the calendar does not know was asked about (409, ``year``)."""

    code, title = "calendar_year_unknown", "The working-day calendar of that year is not loaded"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"The {year} working-day calendar is not loaded: an administrator loads it with "
            f"`flask calendar load --year {year} --complete` or PUT /api/calendar/{year}.",
            year=year,
        )
        self.year = year


def working_calendar() -> RC.WorkingCalendar:
    """The merged calendar, read once per transaction of ``db.session`` (one query)."""
    session = db.session()  # the request's Session (the scoped proxy has no get_transaction)
    cached = session.info.get(_CACHE_KEY)
    if cached is not None and cached[0] is session.get_transaction():
        return cached[1]
    loads = _current_loads()
    cal = RC.build_calendar(chinese_calendar.holidays, chinese_calendar.workdays, PACKAGE_LABEL, loads.values())
    session.info[_CACHE_KEY] = (session.get_transaction(), cal)
    return cal


def _current_loads() -> dict[int, RC.LoadedYear]:
    """Every year's current load with its days, in one statement."""
    latest = (
        select(CalendarLoad.year, func.max(CalendarLoad.version).label("version"))
        .group_by(CalendarLoad.year)
        .subquery()
    )
    rows = db.session.execute(
        select(
            CalendarLoad.year, CalendarLoad.complete, CalendarLoad.loaded_at, CalendarDay.day, CalendarDay.kind, CalendarDay.name
        )
        .join(latest, and_(CalendarLoad.year == latest.c.year, CalendarLoad.version == latest.c.version))
        .outerjoin(CalendarDay, CalendarDay.load_id == CalendarLoad.id)
    ).all()
    heads: dict[int, tuple[bool, datetime]] = {}
    days: dict[int, dict[date, tuple[str, str | None]]] = {}
    for year, complete, loaded_at, day, kind, name in rows:
        heads[year] = (complete, loaded_at)
        if day is not None:
            days.setdefault(year, {})[day] = (kind, name)
    return {y: RC.LoadedYear(y, c, at, days.get(y, {})) for y, (c, at) in heads.items()}


def deadline_after(branch: Any, at: datetime, working_days: int = 1) -> RC.Deadline | RC.Unknown:
    """The deadline ``working_days`` working days after the aware instant ``at`` (R-CMP-6).

    ``branch`` is anything with ``timezone``, ``business_hours`` and ``settings`` (a
    :class:`~server.models.org.Branch`). The close of business on the n-th working day
    after ``at``'s local date (rules/calendar.py says why), with the calendar data that
    produced it; :class:`~server.rules.calendar.Unknown` when it needs a year nobody
    loaded — show ``result.message`` and ask again after a load.
    """
    return RC.add_working_days(
        working_calendar(),
        at,
        working_days,
        branch.business_hours or {},
        branch.timezone,
        adjusted_workday_hours=value(branch.settings, "adjusted_workday_hours"),
    )


def working_day(branch: Any, d: date) -> bool:
    """Whether the local date ``d`` is a working day (national calendar, 调休 included).

    Raises :class:`CalendarYearUnknown` for a year the calendar does not know.
    ``branch`` is taken so that callers need not change if branches ever get regional
    calendars; today every branch follows the national one.
    """
    return _day(d).is_working


def hours_key(branch: Any, d: date) -> str:
    """The key of the branch's weekly hours (business, guarded, close of business) that
    applies on local date ``d``: ``holiday`` on a statutory holiday (R-SEC-5's holiday
    variant), the ``adjusted_workday_hours`` setting on a weekend worked, else the
    weekday's (``mon`` …). Raises :class:`CalendarYearUnknown`."""
    return RC.hours_key(_day(d), value(branch.settings, "adjusted_workday_hours"))


def _day(d: date) -> RC.Day:
    try:
        return working_calendar().day(d)
    except RC.YearUnknown as exc:
        raise CalendarYearUnknown(exc.year) from None


def missing_years(now: datetime) -> list[int]:
    """Years the calendar should know by ``now`` and does not (this year; next year from
    1 November): the standing notice for administrators, alerted by compliance."""
    return RC.missing_years(working_calendar(), now)


def show_year(actor: Staff | None, year: int) -> dict[str, Any]:
    """A year as the calendar knows it (``CalendarYearOut``); administrators only
    (``actor`` None is the trusted CLI). Raises :class:`Forbidden`."""
    _authorise(actor)
    cal = working_calendar()
    head = db.session.execute(
        select(CalendarLoad).where(CalendarLoad.year == year).order_by(CalendarLoad.version.desc()).limit(1)
    ).scalar_one_or_none()
    loaded_days: set[date] = set()
    if head is not None:
        loaded_days = set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.load_id == head.id)))
    return {
        "year": year,
        "known": cal.is_known(year),
        "calendar": cal.years.get(year),
        "package": PACKAGE_LABEL if year in PACKAGE_YEARS else None,
        "loaded": None if head is None else _load_dict(head, len(loaded_days)),
        "days": [
            {"date": d.day, "kind": d.kind, "name": d.name, "source": "loaded" if d.day in loaded_days else "package"}
            for d in cal.listed_days(year)
        ],
    }


def _load_dict(load: CalendarLoad, days: int) -> dict[str, Any]:
    return {
        "version": load.version,
        "complete": load.complete,
        "loaded_by": load.loaded_by,
        "loaded_at": iso(load.loaded_at),
        "origin": load.origin,
        "days": days,
    }


def load_year(
    actor: Staff | None,
    year: int,
    data: Mapping[str, Any],
    now: datetime,
    *,
    loaded_by: str | None = None,
    origin: str = "api",
) -> dict[str, Any]:
    """Load ``year`` (``CalendarYearIn``: ``days``, ``complete``) as its new current
    version, replacing the previous load (kept as history), and commit.

    Raises :class:`Forbidden` (not an administrator), :class:`ValidationFailed` (a year
    outside 2000-2100, a date outside the year or given twice, a complete year unknown
    to the package with no holiday), :class:`Conflict` ``calendar_load_conflict`` when
    another load of the year landed at the same moment (retry).
    """
    _authorise(actor)
    days = list(data["days"])
    _validate(year, days, bool(data.get("complete")))
    load = CalendarLoad(
        year=year,
        version=_next_version(year),
        complete=bool(data.get("complete")),
        loaded_by=loaded_by or (f"staff:{actor.employee_no}" if actor else "cli"),
        loaded_by_id=actor.id if actor else None,
        loaded_at=now,
        origin=origin[:200],
    )
    try:
        with db.session.begin_nested():
            db.session.add(load)
            db.session.flush()
            db.session.add_all(
                CalendarDay(load_id=load.id, day=d["date"], kind=d["kind"], name=d.get("name")) for d in days
            )
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        message = f"Another load of {year} landed at the same moment; load again."
        raise Conflict(message, code="calendar_load_conflict") from None
    db.session.commit()
    db.session().info.pop(_CACHE_KEY, None)
    _refresh_waiting_deadlines(year)
    return show_year(actor, year)


def _refresh_waiting_deadlines(year: int) -> None:
    """Give every case whose deadline waited for ``year`` its deadline now (issue #13:
    "deadline unknown: the 2027 calendar is not loaded" until an administrator loads it)."""
    from ..sync_setup import record_put
    from . import complaint

    for case in complaint.refresh_unknown_deadlines(year):
        record_put("complaint", case)
    db.session.commit()


def _next_version(year: int) -> int:
    return (db.session.scalar(select(func.max(CalendarLoad.version)).where(CalendarLoad.year == year)) or 0) + 1


def _validate(year: int, days: Iterable[Mapping[str, Any]], complete: bool) -> None:
    if year not in LOADABLE_YEARS:
        message = f"The year must be between {LOADABLE_YEARS[0]} and {LOADABLE_YEARS[-1]}."
        raise ValidationFailed({"year": [message]}, message)
    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[date] = set()
    holidays = 0
    for i, day in enumerate(days):
        if day["date"].year != year:
            errors[i] = {"date": [f"{day['date'].isoformat()} is not in {year}."]}
        elif day["date"] in seen:
            errors[i] = {"date": [f"{day['date'].isoformat()} is given twice."]}
        seen.add(day["date"])
        holidays += day["kind"] == RC.HOLIDAY
    if errors:
        raise ValidationFailed({"days": errors}, describe({"days": errors}))
    if complete and year not in PACKAGE_YEARS and not holidays:
        message = f"A complete {year} lists its statutory holidays; this load has none."
        raise ValidationFailed({"days": [message]}, message, code="calendar_year_empty")


def describe(errors: Mapping[Any, Any] | list[Any], path: str = "") -> str:
    """Field errors as one line an administrator reads at a terminal:
    ``days.0.date: 2026-12-31 is not in 2027.``"""
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return f"{path}: {' '.join(errors)}" if path else " ".join(errors)
    items = errors.items() if isinstance(errors, Mapping) else enumerate(errors)
    return "; ".join(describe(sub, f"{path}.{key}" if path else str(key)) for key, sub in items)


def _authorise(actor: Staff | None) -> None:
    if actor is not None and actor.role not in P.CALENDAR_ADMINS:
        raise Forbidden("Only an administrator reads and loads the working-day calendar.")
