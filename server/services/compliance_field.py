"""The field rules of the compliance engine (#14): one branch-local day of R-SEC-5
(hourly self-service patrols), R-SEC-2 (unstaffed posts, overruns without handover) and
R-OPS-1 (the three floor rounds), judged in memory from the inputs ``duty.load`` read.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Collection

from ..models.org import Branch
from ..rules import calendar as RCAL
from ..rules import compliance as RC
from ..rules import patrol_compliance as PC
from ..rules import settings as FS
from . import duty
from .compliance_window import day_bounds, hours_keys

SECURITY_POST = "security"
UTC = timezone.utc


def judge_field_day(
    branch: Branch, day: date, at: datetime, cal: RCAL.WorkingCalendar, inputs: duty.Inputs,
    families: Collection[str] = ("patrol", "staffing", "rounds"),
    hours: tuple[list[tuple[datetime, datetime]], set[datetime]] | None = None,
) -> tuple[list[RC.Verdict], int | None]:
    """The field rules' verdicts for one local day of one branch, and the unknown calendar
    year when the day's hours depend on it (then no verdict is guessed for that rule).
    ``families``: only these of ``patrol`` (R-SEC-5), ``staffing`` (R-SEC-2) and
    ``rounds`` (R-OPS-1), as ``compliance.evaluate(rules=...)`` asks. ``hours``: R-SEC-5
    judges only these windows and keeps the verdicts of the hours starting at these
    instants (``compliance_focus.patrol_hours``: what they are among all the day's hours)."""
    settings = branch.settings or {}
    guarded_key, business_key, unknown = hours_keys(branch, day, cal)
    verdicts: list[RC.Verdict] = []
    if guarded_key is not None and "patrol" in families:
        windows = guarded_windows(branch, day, guarded_key) if hours is None else hours[0]
        lo, hi = day_bounds(branch, day)
        grace = PC.grace(settings)
        patrols = [p for p in inputs.patrols.get(branch.id, ()) if lo <= p.happened_at < hi + grace]

        def hour_mark(due: datetime) -> tuple[datetime | None, list[dict[str, Any]]]:
            start = due - grace - timedelta(hours=1)
            return duty.watermark(inputs, duty.on_duty(inputs, branch.id, SECURITY_POST, start, due))(due)

        judged = RC.patrol_verdicts(day, windows, patrols, at, settings, hour_mark).verdicts if windows else []
        verdicts += judged if hours is None else [v for v in judged if v.window_start in hours[1]]
    if "staffing" in families:
        verdicts += _staffing(branch, day, at, inputs)
    if "rounds" in families and business_key is not None and (branch.business_hours or {}).get(business_key):
        slots = {slot: RCAL.at_local(day, hhmm, branch.timezone) for slot, hhmm in FS.value(settings, "floor_round_slots").items()}
        tol = timedelta(minutes=int(FS.value(settings, "floor_round_tolerance_minutes")))
        verdicts += RC.floor_round_verdicts(day, slots, inputs.rounds.get((branch.id, day), {}), at, tol,
                                            duty.watermark(inputs, inputs.managers.get(branch.id, ())))
    return verdicts, unknown


#: ``(day, zone, key, spec) -> windows``: branches of one zone and one weekly spec share
#: their hour windows (a day of 1,400 branches computed the same 24 windows 1,400 times).
_WINDOWS: dict[tuple[date, str, str, str], tuple[tuple[datetime, datetime], ...]] = {}
_WINDOWS_MAX = 4096


def guarded_windows(branch: Branch, day: date, key: str) -> list[tuple[datetime, datetime]]:
    """``PC.guarded_hour_windows`` of the branch's day (``key``: ``hours_keys``'s guarded
    key), remembered by its inputs (a pure function of the day, zone, key and the weekly
    spec's text)."""
    spec = branch.guarded_hours or {}
    memo = (day, str(branch.timezone), key, repr(spec))
    found = _WINDOWS.get(memo)
    if found is None:
        if len(_WINDOWS) >= _WINDOWS_MAX:
            _WINDOWS.clear()
        found = _WINDOWS[memo] = tuple(PC.guarded_hour_windows(day, spec, branch.timezone, key=key))
    return list(found)


def _staffing(branch: Branch, day: date, at: datetime, inputs: duty.Inputs) -> list[RC.Verdict]:
    """R-SEC-2 for the planned shifts starting on local ``day``."""
    settings = branch.settings or {}
    lo, hi = day_bounds(branch, day)
    all_plans = inputs.plans.get(branch.id, [])
    if not all_plans:
        return []
    grace = timedelta(minutes=int(FS.value(settings, "unstaffed_grace_minutes")))
    early = timedelta(minutes=int(FS.value(settings, "shift_early_start_minutes")))
    matched = RC.match_roster(all_plans, inputs.shifts.get(branch.id, ()), grace, early)
    plans = [p for p in all_plans if lo <= p.starts_at < hi]
    handover_grace = timedelta(minutes=int(FS.value(settings, "handover_grace_minutes")))
    return RC.staffing_verdicts(
        day, plans, matched, at, grace, lambda p: duty.watermark(inputs, [p.staff_id] if p.staff_id else [])
    ) + RC.handover_verdicts(day, plans, matched, at, handover_grace, lambda s: duty.watermark(inputs, [s.staff_id]))


