"""China's working-day calendar and working-day deadlines (domain.md "Working days and time").

Pure: the calendar arrives as plain values (:class:`WorkingCalendar`, built by
``services/calendar.py`` from the ``chinese-calendar`` package and the administrators'
loads), the branch's zone and business hours as arguments. No Flask, no database.

A day is a *working day* by the national calendar: Monday to Friday, minus the statutory
holidays, plus the adjusted working weekends (调休上班). A year nobody has published is
never guessed (domain.md): asking about it raises :class:`YearUnknown`, and a deadline that
would need it is :class:`Unknown` — its own visible state.

**"Within n working days"** (R-CMP-6: a phone complaint not settled on the call is answered
within 1 working day) is counted as the Civil Code counts periods in days (民法典 第二百零一条:
the day the period starts is not counted, counting begins the next day; 第二百零三条: a period
ending on a statutory holiday ends on the first day after it, and on a day with business
hours it ends when business stops). So the deadline is **the close of the branch's business
hours on the n-th working day after the local date of the event**. A complaint taken at
15:00 on Friday 3 April 2026 (Qingming: Saturday 4 to Monday 6 April off) is due at the
close of business on Tuesday 7 April, 17:00 in a 09:00-17:00 branch; one taken on
31 December 2026 needs 2027 and is :class:`Unknown` until that year is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync import iso

HOLIDAY = "holiday"
WORKDAY = "workday"
#: Kinds of a loaded day: a rest day (statutory holiday) or a working day (调休上班).
DAY_KINDS = (HOLIDAY, WORKDAY)
#: Keys of a branch's weekly hours (``models.org.DAY_KEYS``), Monday first.
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_HOURS_KEY = "holiday"
#: The zone in which the State Council's calendar is published: the national "today"
#: that decides when next year's calendar is due (:func:`missing_years`).
NATIONAL_ZONE = "Asia/Shanghai"
#: From this (month, day), next year's calendar is expected; its absence is a standing
#: notice (issue #13: "From 1 November, a standing notice says next year's calendar is missing").
NOTICE_FROM = (11, 1)
#: Longest run of days a deadline walks before the data is judged broken.
MAX_SCAN_DAYS = 400


class YearUnknown(LookupError):
    """The calendar of ``year`` is neither in the package nor loaded as complete."""

    def __init__(self, year: int) -> None:
        super().__init__(unknown_message(year))
        self.year = year


def unknown_message(year: int) -> str:
    """What every screen shows for a deadline that needs an unknown ``year``."""
    return f"deadline unknown: the {year} calendar is not loaded"


@dataclass(frozen=True)
class Day:
    """One date by the national calendar: ``kind`` is ``workday``, ``adjusted_workday``
    (a weekend worked, 调休上班), ``weekend`` or ``holiday``; ``name`` the holiday's."""

    day: date
    kind: str
    name: str | None = None

    @property
    def is_working(self) -> bool:
        """Ordinary weekdays and worked weekends; not weekends, not holidays."""
        return self.kind in ("workday", "adjusted_workday")


@dataclass(frozen=True)
class LoadedYear:
    """An administrator's load of one year: the days that differ from Monday-to-Friday
    (or from the package), ``date -> (kind, name)``, and whether the year is complete."""

    year: int
    complete: bool
    loaded_at: datetime
    days: Mapping[date, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``loaded:<year>@<UTC time>``, as a deadline records it."""
        return f"loaded:{self.year}@{iso(self.loaded_at)}"


@dataclass(frozen=True)
class WorkingCalendar:
    """The merged calendar: rest days and adjusted working days by date, and for every
    known year the label of the data that makes it known."""

    holidays: Mapping[date, str | None]
    workdays: Mapping[date, str | None]
    years: Mapping[int, str]

    def is_known(self, year: int) -> bool:
        """Whether ``year`` is in the package or loaded as complete."""
        return year in self.years

    def day(self, d: date) -> Day:
        """The national calendar's verdict on ``d``; raises :class:`YearUnknown`."""
        if d.year not in self.years:
            raise YearUnknown(d.year)
        return self._classify(d)

    def listed_days(self, year: int) -> list[Day]:
        """The holidays and worked weekends (or weekday holidays taken back) of ``year``
        that the data lists, by date — also for a year that is not (yet) known."""
        listed = {d for d in self.holidays if d.year == year} | {d for d in self.workdays if d.year == year}
        return [self._classify(d) for d in sorted(listed)]

    def _classify(self, d: date) -> Day:
        if d in self.workdays:
            return Day(d, "adjusted_workday" if d.weekday() >= 5 else "workday", self.workdays[d])
        if d in self.holidays:
            return Day(d, HOLIDAY, self.holidays[d])
        return Day(d, "weekend" if d.weekday() >= 5 else "workday")

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (调休 weekends are); raises :class:`YearUnknown`."""
        return self.day(d).is_working


def build_calendar(
    package_holidays: Mapping[date, str],
    package_workdays: Mapping[date, str],
    package_label: str,
    loads: Iterable[LoadedYear],
) -> WorkingCalendar:
    """Merge the package's data with the administrators' current loads.

    A year is known when the package has it or its load is complete. A loaded day
    replaces the package's verdict on that date; a year's load replaces its earlier ones
    (the caller passes only the current load of each year).
    """
    holidays = dict(package_holidays)
    workdays = dict(package_workdays)
    package_years = {d.year for d in package_holidays} | {d.year for d in package_workdays}
    years: dict[int, str] = {}
    if package_years:
        years = {y: package_label for y in range(min(package_years), max(package_years) + 1)}
    for load in loads:
        for d, (kind, name) in load.days.items():
            holidays.pop(d, None)
            workdays.pop(d, None)
            (holidays if kind == HOLIDAY else workdays)[d] = name
        if load.year in years:
            years[load.year] = f"{package_label}+{load.label}" if load.days else package_label
        elif load.complete:
            years[load.year] = load.label
    return WorkingCalendar(holidays=holidays, workdays=workdays, years=years)


def hours_key(day: Day, adjusted_workday_hours: str) -> str:
    """The key of a branch's weekly hours that applies on ``day``: ``holiday`` on a
    statutory holiday (the holiday variant of business and guarded hours, R-SEC-5),
    ``adjusted_workday_hours`` (a branch setting) on a weekend worked, else the weekday's.
    Raises ``ValueError`` when the setting names no key of the weekly hours."""
    if day.kind == HOLIDAY:
        return HOLIDAY_HOURS_KEY
    if day.kind == "adjusted_workday":
        if adjusted_workday_hours not in (*WEEKDAY_KEYS, HOLIDAY_HOURS_KEY):
            raise ValueError(f"adjusted_workday_hours must name a day of the week, not {adjusted_workday_hours!r}")
        return adjusted_workday_hours
    return WEEKDAY_KEYS[day.day.weekday()]


@dataclass(frozen=True)
class Deadline:
    """A computed deadline: ``due_at`` (aware UTC), the working day it falls on, and the
    calendar data that produced it (``chinese-calendar 1.11.0``, ``loaded:2027@…``)."""

    due_at: datetime
    working_date: date
    calendar: str


@dataclass(frozen=True)
class Unknown:
    """A deadline the calendar cannot compute: it needs ``year``, which nobody loaded."""

    year: int

    @property
    def message(self) -> str:
        """"deadline unknown: the 2027 calendar is not loaded" — what the case shows."""
        return unknown_message(self.year)


def add_working_days(
    cal: WorkingCalendar,
    start: datetime,
    n: int,
    business_hours: Mapping[str, Any],
    zone: str,
    *,
    adjusted_workday_hours: str,
) -> Deadline | Unknown:
    """The deadline ``n`` working days after the aware instant ``start`` (R-CMP-6).

    Counted in zone ``zone`` as the module docstring says: the local day of ``start`` is
    not counted; the deadline is the close of ``business_hours`` (the branch's weekly
    spec, ``{"mon": [["09:00", "17:00"]], …}``) on the n-th working day after it, or
    24:00 when the branch has no hours that day. Returns :class:`Unknown` as soon as a
    day to walk lies in an unknown year — never a guess. Raises ``ValueError`` for a
    naive ``start`` or ``n < 1``.
    """
    if start.tzinfo is None:
        raise ValueError("naive datetime refused")
    if n < 1:
        raise ValueError("n must be at least 1")
    d = start.astimezone(ZoneInfo(zone)).date()
    labels: list[str] = []
    counted = 0
    for _ in range(MAX_SCAN_DAYS):
        d += timedelta(days=1)
        if not cal.is_known(d.year):
            return Unknown(d.year)
        if cal.years[d.year] not in labels:
            labels.append(cal.years[d.year])
        day = cal.day(d)
        if day.is_working:
            counted += 1
            if counted == n:
                intervals = business_hours.get(hours_key(day, adjusted_workday_hours)) or []
                return Deadline(_close(d, intervals, zone), d, "; ".join(labels))
    raise ValueError(f"no working day within {MAX_SCAN_DAYS} days of {start.isoformat()}")


def _close(d: date, intervals: Iterable[Iterable[str]], zone: str) -> datetime:
    """When business stops on local day ``d`` (the latest interval end), as aware UTC;
    24:00 when there are no intervals (民法典 第二百零三条). Wall-clock arithmetic, so a
    daylight-saving change that day moves the UTC instant, not the local close."""
    minutes = max((_minutes(end) for _start, end in intervals), default=24 * 60)
    local = datetime.combine(d, time(0), ZoneInfo(zone)) + timedelta(minutes=minutes)
    return local.astimezone(timezone.utc)


def _minutes(hhmm: str) -> int:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return hours * 60 + minutes


def missing_years(cal: WorkingCalendar, now: datetime) -> list[int]:
    """Years the calendar should know by ``now`` and does not: this year always, next year
    from :data:`NOTICE_FROM` (1 November) in :data:`NATIONAL_ZONE`. A standing notice for
    administrators (issue #13), never a guess."""
    if now.tzinfo is None:
        raise ValueError("naive datetime refused")
    today = now.astimezone(ZoneInfo(NATIONAL_ZONE)).date()
    wanted = [today.year]
    if (today.month, today.day) >= NOTICE_FROM:
        wanted.append(today.year + 1)
    return [y for y in wanted if not cal.is_known(y)]

Zone = str | ZoneInfo


def _zone(tz: Zone) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this host knows (a branch's ``timezone``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_date(at: datetime, tz: Zone) -> date:
    """The calendar date of the aware instant ``at`` in zone ``tz``."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    return at.astimezone(_zone(tz)).date()


def local_clock(at: datetime, tz: Zone) -> str:
    """The local wall-clock time ``"HH:MM"`` of the aware instant ``at`` in zone ``tz``
    (for labels such as a patrol hour's; the wire carries :func:`sync.types.iso`)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    return at.astimezone(_zone(tz)).strftime("%H:%M")


def clock_hour_windows(day: date, intervals: Iterable[Iterable[str]], tz: Zone) -> list[tuple[datetime, datetime]]:
    """The clock hours of local ``day`` inside ``intervals`` (``[["09:30", "24:00"], …]``),
    as ``[start, end)`` aware UTC windows; a partial hour at an interval's edge is a window
    of its own (R-SEC-5's hours). Local hours are followed through a daylight-saving change
    (an hour that does not exist that day is no window, a repeated one is two)."""
    zone, windows = _zone(tz), []
    for start_s, end_s in intervals:
        cursor, end = _local_instant(day, start_s, zone), _local_instant(day, end_s, zone)
        while cursor < end:
            local = cursor.astimezone(zone)
            next_hour = (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(zone)
            nxt = min(next_hour.astimezone(timezone.utc).astimezone(zone), end)
            windows.append((cursor.astimezone(timezone.utc), nxt.astimezone(timezone.utc)))
            cursor = nxt
    return windows


def _local_instant(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """``hhmm`` ("24:00" is the day's end) on local ``day``: adding a timedelta to an aware
    local time is wall-clock arithmetic, so normalise through UTC for a DST day."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    value = datetime.combine(day, time(0, 0), tzinfo=zone) + timedelta(hours=hours, minutes=minutes)
    return value.astimezone(timezone.utc).astimezone(zone)


def day_bounds(day: date, tz: Zone) -> tuple[datetime, datetime]:
    """``[start, end)`` of the local day ``day`` in zone ``tz``, as aware UTC instants."""
    zone = _zone(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def at_local(day: date, hhmm: str, tz: Zone) -> datetime:
    """The aware UTC instant of local clock time ``hhmm`` ("09:30"; "24:00" is the day's
    end) on ``day`` in ``tz``."""
    return _local_instant(day, hhmm, _zone(tz)).astimezone(timezone.utc)


def local_text(at: datetime, tz: Zone) -> str:
    """``"YYYY-MM-DD HH:MM"`` of the aware instant ``at`` in zone ``tz``: for printed
    forms read by people (the wire carries :func:`sync.types.iso`)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    return at.astimezone(_zone(tz)).strftime("%Y-%m-%d %H:%M")
