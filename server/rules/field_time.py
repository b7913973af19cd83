"""Branch-local days and clock times for the field-ops rules.

The branch zone is applied only here and in presenters (house style). When a shared
``rules/calendar.py`` lands, these helpers fold into it.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def local_date(at: datetime, tz: str) -> date:
    """The calendar date of the aware instant ``at`` in zone ``tz``."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    return at.astimezone(ZoneInfo(tz)).date()


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of the local day ``day`` in zone ``tz``, as aware UTC instants."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def at_local(day: date, hhmm: str, tz: str) -> datetime:
    """The aware UTC instant of local clock time ``hhmm`` ("09:30") on ``day`` in ``tz``."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), ZoneInfo(tz)).astimezone(timezone.utc)
