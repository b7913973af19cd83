"""The compliance engine's day and window plumbing (#14): which local days of a branch an
evaluation judges, their bounds in UTC, and which weekly hours apply on each.

Every zone conversion of the engine is here or in ``rules/calendar.py``; the rule
families (``compliance_field``, ``compliance_lobby``) ask these helpers, never the zone.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from ..models.org import Branch
from ..rules import calendar as RCAL
from ..rules import settings as FS

UTC = timezone.utc


def local_date(branch: Branch, at: datetime) -> date:
    """The branch-local date of the aware instant ``at``."""
    return RCAL.local_date(at, branch.timezone)


def local_midnight(branch: Branch, day: date) -> datetime:
    """The start of the branch-local ``day`` as aware UTC."""
    return RCAL.day_bounds(day, branch.timezone)[0]


def day_bounds(branch: Branch, day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` of the branch-local ``day`` as aware UTC."""
    return RCAL.day_bounds(day, branch.timezone)


def days_to_judge(branch: Branch, closed_through: date | None, at: datetime, only: list[date] | None) -> list[date]:
    """Local days from go-live (or after the last settled day) through the day of ``at``;
    with ``only``, those of them from go-live through the day of ``at``."""
    if only is not None:
        return [d for d in only if branch.go_live_date <= d <= local_date(branch, at)]
    first = branch.go_live_date
    if closed_through is not None and closed_through >= first:
        first = closed_through + timedelta(days=1)
    last = local_date(branch, at)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def hours_keys(branch: Branch, day: date, cal: RCAL.WorkingCalendar) -> tuple[str | None, str | None, int | None]:
    """The keys of the guarded and business hours that apply on ``day``. In a year the
    calendar does not know, a key is still certain when every kind of day would give the
    same hours (a branch guarded round the clock); else it is ``None`` and the year is
    reported — never a guess (domain.md "Working days and time")."""
    adjusted = FS.value(branch.settings, "adjusted_workday_hours")
    try:
        key = RCAL.hours_key(cal.day(day), adjusted)
        return key, key, None
    except RCAL.YearUnknown:
        weekday = RCAL.WEEKDAY_KEYS[day.weekday()]
        candidates = {weekday, RCAL.HOLIDAY_HOURS_KEY, adjusted}

        def certain(spec: Mapping[str, Any] | None) -> str | None:
            spec = spec or {}
            seen = {repr(spec.get(k, spec.get(weekday) if k == RCAL.HOLIDAY_HOURS_KEY else None)) for k in candidates}
            return weekday if len(seen) == 1 else None

        guarded, business = certain(branch.guarded_hours), certain(branch.business_hours)
        return guarded, business, None if guarded and business else day.year


