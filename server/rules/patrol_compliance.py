"""R-SEC-5: one self-service-area patrol in every clock hour of the guarded hours.

Pure: given the guarded clock hours (as UTC windows), the patrols' ``happened_at`` and
``received_at``, ``now`` and the branch's settings, decide each hour's status. Used by
the read API now and by the compliance engine later.

How an hour is judged (defaults from domain.md; per-branch values in ``branch.settings``):

* hour ``[start, end)`` is due at ``end + grace`` (``patrol_grace_minutes``, default 10);
* each patrol proves at most one hour, its own first: every hour takes a patrol that
  happened inside it (preferring one after the previous hour's grace period, which that
  hour may need); then an hour still without one takes an unused patrol from its grace
  period (the first minutes of the next hour), so a second patrol in an hour can make
  up for the hour before, but one patrol never proves two hours;
* with evidence: ``met`` when it reached the server by the due time, else
  ``met_synced_late`` — late sync is not late work ("patrol at 10:05 synced 12:30 met
  its hour");
* without: ``pending`` before the due time, ``missed`` after it; the compliance engine
  turns that into ``unconfirmed`` while a phone on duty has not synced past the due time
  (``rules.compliance.judge_absent``, the one place that decides it).

Judged by ``happened_at`` (device time corrected for skew), never by the device's raw time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from . import calendar as RCAL
from . import settings as FS

RULE = "R-SEC-5"

PENDING, MET, MET_SYNCED_LATE, MISSED = "pending", "met", "met_synced_late", "missed"
MET_STATUSES = frozenset({MET, MET_SYNCED_LATE})
_WEEKDAY_KEYS = RCAL.WEEKDAY_KEYS


@dataclass(frozen=True)
class PatrolTimes:
    """What the rule needs of a patrol."""

    id: str
    happened_at: datetime
    received_at: datetime
    clock_suspect: bool = False


@dataclass(frozen=True)
class HourVerdict:
    """The decision for one clock hour."""

    window_start: datetime
    window_end: datetime
    due_at: datetime
    status: str
    evidence: tuple[str, ...] = ()
    clock_suspect: bool = False

    @property
    def is_met(self) -> bool:
        return self.status in MET_STATUSES


def grace(settings: Mapping[str, Any] | None) -> timedelta:
    """The grace period of a branch (``patrol_grace_minutes``, default 10)."""
    return timedelta(minutes=int(FS.value(settings, "patrol_grace_minutes")))


def guarded_hour_windows(
    day: date, guarded_hours: Mapping[str, Any], zone: RCAL.Zone, *, is_holiday: bool = False, key: str | None = None
) -> list[tuple[datetime, datetime]]:
    """The clock hours of ``day`` (local) inside its guarded intervals, as UTC windows.

    ``guarded_hours`` is the branch's weekly spec (``{"mon": [["00:00", "24:00"]], …,
    "holiday": [...]}``). A partial hour at an interval's edge is a window of its own.
    ``key`` names the spec's day to use (the calendar's ``hours_key``: ``holiday`` on a
    statutory holiday, the adjusted weekday on a worked weekend); a ``holiday`` key the
    branch has no spec for falls back to the weekday's hours. The zone arithmetic is
    ``rules/calendar.clock_hour_windows`` (``zone``: a name or a ``ZoneInfo``).
    """
    if key is None:
        key = "holiday" if is_holiday else _WEEKDAY_KEYS[day.weekday()]
    if key == "holiday" and "holiday" not in guarded_hours:
        key = _WEEKDAY_KEYS[day.weekday()]
    return RCAL.clock_hour_windows(day, guarded_hours.get(key, []), zone)


def judge_hours(
    windows: Sequence[tuple[datetime, datetime]],
    patrols: Iterable[PatrolTimes],
    now: datetime,
    settings: Mapping[str, Any] | None = None,
) -> list[HourVerdict]:
    """Judge each hour window (sorted or not) against the patrols (R-SEC-5).

    An hour without evidence is ``pending`` before its due time and ``missed`` after it;
    whether it is rather ``unconfirmed`` (a phone on duty not yet synced past the due time)
    is decided once, for every rule, by ``rules.compliance.judge_absent``.
    """
    g = grace(settings)
    ordered = sorted(patrols, key=lambda p: (p.happened_at, p.id))
    hours = sorted(windows)
    used: set[str] = set()
    chosen: dict[int, PatrolTimes] = {}
    for i, (start, end) in enumerate(hours):  # own hour first
        pick = _first(ordered, used, min(start + g, end), end) or _first(ordered, used, start, end)
        if pick is not None:
            used.add(pick.id)
            chosen[i] = pick
    for i, (start, end) in enumerate(hours):  # then the grace period of the next hour
        pick = None if i in chosen else _first(ordered, used, end, end + g)
        if pick is not None:
            used.add(pick.id)
            chosen[i] = pick
    verdicts = []
    for i, (start, end) in enumerate(hours):
        due = end + g
        if i in chosen:
            p = chosen[i]
            status = MET if p.received_at <= due else MET_SYNCED_LATE
            verdicts.append(HourVerdict(start, end, due, status, (p.id,), p.clock_suspect))
        elif now < due:
            verdicts.append(HourVerdict(start, end, due, PENDING))
        else:
            verdicts.append(HourVerdict(start, end, due, MISSED))
    return verdicts


def _first(ordered: Sequence[PatrolTimes], used: set[str], start: datetime, end: datetime) -> PatrolTimes | None:
    for p in ordered:
        if p.id not in used and start <= p.happened_at < end:
            return p
    return None


def leaves_hours_as_is(
    hours: Iterable[tuple[datetime, datetime, datetime | None]], happened_at: datetime,
    settings: Mapping[str, Any] | None = None,
) -> bool:
    """True when one more patrol at ``happened_at`` leaves every verdict of
    :func:`judge_hours` as it is (R-SEC-5). ``hours`` are judged hours as ``(window_start,
    window_end, when their evidence happened or None)``.

    It holds when an hour's window holds the patrol and every hour that could claim it
    already holds evidence it prefers: its own hour evidence from its own window: from the part after
    the grace period if the patrol is there too, and earlier (``judge_hours`` picks that
    part first, then the earliest); an hour whose grace period holds it, earlier evidence.
    Every pick then stays, and a push need not re-judge (#17).
    """
    g = grace(settings)
    inside = False
    for start, end, at in hours:
        if not start <= happened_at < end + g:
            continue  # no hour's candidate
        if at is None:
            return False
        if happened_at < end:  # its own hour: picked own part first (after the grace), then by time
            inside = True
            own = min(start + g, end)
            if not start <= at < end or (at < own, at) >= (happened_at < own, happened_at):
                return False
        elif at >= happened_at:  # the grace period after this hour: by time
            return False
    return inside
