"""The compliance engine: judge every open window of every branch as of one instant (#14).

:func:`evaluate` is what the scheduler's jobs and ``flask compliance run --at T`` call.
It is set-based: whatever the number of branches, it reads each kind of input with one
statement over the whole date range (branches, progress, calendar, patrols, shifts with
their handovers, the roster, floor rounds, devices, staff, obligations, excuses, alerts),
judges in memory with the pure ``rules.compliance``, and writes obligations and alerts
with a bounded number of ``executemany`` statements. Running it twice for one instant
changes nothing the second time (rows are compared before they are written).

A branch is judged from its go-live date, or from the day after
``compliance_progress.closed_through`` (the last day whose obligations are all settled),
up to the local day of ``at``: a server that was down judges the hours it missed.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import insert, or_, select, update

from ..extensions import db
from ..models.compliance import ComplianceProgress, Obligation, ObligationExcuse, obligation_id
from ..models.floor import FloorRound
from ..models.org import Branch, Staff
from ..models.patrol import Patrol
from ..models.shift import Handover, RosterShift, Shift
from ..rules import calendar as RCAL
from ..rules import alert as RA
from ..rules import compliance as RC
from ..rules import field_settings as FS
from ..rules import patrol_compliance as PC
from . import alert as alert_service
from . import calendar as calendar_service

SELF_SERVICE = "self_service"
SECURITY_POST = "security"
UTC = timezone.utc


@dataclass
class Outcome:
    """What one evaluation did (``flask compliance run`` prints it)."""

    at: datetime
    branches: int = 0
    days: int = 0
    obligations: int = 0
    inserted: int = 0
    updated: int = 0
    alerts_raised: int = 0
    alerts_resolved: int = 0
    unknown_years: set[int] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat().replace("+00:00", "Z"), "branches": self.branches, "days": self.days,
            "obligations": self.obligations, "inserted": self.inserted, "updated": self.updated,
            "alerts_raised": self.alerts_raised, "alerts_resolved": self.alerts_resolved,
            "unknown_years": sorted(self.unknown_years),
        }


@dataclass
class _Inputs:
    """Everything one evaluation reads, grouped by branch."""

    patrols: dict[uuid.UUID, list[RC.Record]] = field(default_factory=lambda: defaultdict(list))
    shifts: dict[uuid.UUID, list[RC.ShiftRecord]] = field(default_factory=lambda: defaultdict(list))
    plans: dict[uuid.UUID, list[RC.Plan]] = field(default_factory=lambda: defaultdict(list))
    rounds: dict[tuple[uuid.UUID, date], dict[str, RC.Record]] = field(default_factory=lambda: defaultdict(dict))
    devices: dict[str, list[datetime | None]] = field(default_factory=lambda: defaultdict(list))
    device_rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    managers: dict[uuid.UUID, list[str]] = field(default_factory=lambda: defaultdict(list))


def evaluate(
    at: datetime,
    *,
    branch_ids: Iterable[uuid.UUID] | None = None,
    days: Iterable[date] | None = None,
    commit: bool = True,
) -> Outcome:
    """Judge every window of every live branch (or of ``branch_ids``) that has opened by
    ``at`` since the branch's last settled day (or only the local ``days`` given, settled
    or not: a late record re-judges its day); upsert obligations and alerts; publish the
    changes to pulls. Idempotent for one ``at``. Commits unless ``commit=False`` (the push
    transaction re-judges with it)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    at = at.astimezone(UTC)
    out = Outcome(at)
    session = db.session
    q = select(Branch).where(Branch.go_live_date.is_not(None))
    if branch_ids is not None:
        q = q.where(Branch.id.in_(list(branch_ids)))
    branches = list(session.scalars(q))
    if not branches:
        return out
    progress = {p.branch_id: p.closed_through for p in session.scalars(
        select(ComplianceProgress).where(ComplianceProgress.branch_id.in_([b.id for b in branches])))}
    wanted_days = sorted(set(days)) if days is not None else None
    days = {b.id: _days_to_judge(b, progress.get(b.id), at, wanted_days) for b in branches}
    branches = [b for b in branches if days[b.id]]
    if not branches:
        return out
    lo = min(_local_midnight(b, days[b.id][0]) for b in branches) - timedelta(hours=1)
    hi = max(_local_midnight(b, days[b.id][-1] + timedelta(days=1)) for b in branches) + timedelta(hours=2)
    ids = [b.id for b in branches]
    inputs = _load_inputs(ids, lo, hi, min(days[i][0] for i in ids), max(days[i][-1] for i in ids))
    cal = calendar_service.working_calendar()
    verdicts: list[tuple[Branch, RC.Verdict]] = []
    branch_alerts: list[alert_service.BranchAlert] = []
    settled_through: dict[uuid.UUID, date] = {}
    for branch in branches:
        out.branches += 1
        open_seen = wanted_days is not None  # re-judging chosen days never moves the progress
        for day in days[branch.id]:
            out.days += 1
            day_verdicts, unknown = _judge_day(branch, day, at, cal, inputs)
            if unknown is not None:
                out.unknown_years.add(unknown)
                branch_alerts.append((branch, "calendar_unknown", str(unknown), None, RA.CALENDAR_UNKNOWN_ROLES))
            verdicts.extend((branch, v) for v in day_verdicts)
            missed = sum(1 for v in day_verdicts if v.rule == RC.PATROL and v.status == RC.MISSED)
            if RA.is_repeated_miss(missed, branch.settings):
                branch_alerts.append((branch, "repeated_missed", day.isoformat(), RC.PATROL,
                                      RA.REPEATED_MISSED_ROLES))
            settled = unknown is None and day < _local_date(branch, at) and all(
                v.status in RC.SETTLED for v in day_verdicts)
            open_seen = open_seen or not settled
            if not open_seen:
                settled_through[branch.id] = day
    rows = _upsert(verdicts, at, out)
    out.alerts_raised, out.alerts_resolved = alert_service.refresh(
        rows, branch_alerts, at, {b.id: b.settings for b in branches}, cal)
    _progress(settled_through, progress, at)
    if commit:
        session.commit()
    return out


def _local_date(branch: Branch, at: datetime) -> date:
    return at.astimezone(ZoneInfo(branch.timezone)).date()


def _local_midnight(branch: Branch, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(branch.timezone)).astimezone(UTC)


def _days_to_judge(branch: Branch, closed_through: date | None, at: datetime, only: list[date] | None) -> list[date]:
    """Local days from go-live (or after the last settled day) through the day of ``at``;
    with ``only``, those of them from go-live through the day of ``at``."""
    if only is not None:
        return [d for d in only if branch.go_live_date <= d <= _local_date(branch, at)]
    first = branch.go_live_date
    if closed_through is not None and closed_through >= first:
        first = closed_through + timedelta(days=1)
    last = _local_date(branch, at)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _load_inputs(ids: Sequence[uuid.UUID], lo: datetime, hi: datetime, first: date, last: date) -> _Inputs:
    """One statement per kind of input, over every branch and the whole range."""
    from ..sync_setup import engine

    session = db.session
    inputs = _Inputs()
    for p in session.execute(
        select(Patrol.id, Patrol.branch_id, Patrol.happened_at, Patrol.received_at, Patrol.clock_suspect)
        .where(Patrol.branch_id.in_(ids), Patrol.area == SELF_SERVICE, Patrol.happened_at >= lo, Patrol.happened_at < hi)
    ):
        inputs.patrols[p.branch_id].append(RC.Record(str(p.id), p.happened_at, p.received_at, p.clock_suspect))
    for s, h in session.execute(
        select(Shift, Handover)
        .outerjoin(Handover, Handover.shift_id == Shift.id)
        .where(Shift.branch_id.in_(ids), Shift.happened_at < hi, or_(Shift.ended_at.is_(None), Shift.ended_at >= lo))
    ):
        proof = RC.Record(str(h.id), h.happened_at, h.received_at, h.clock_suspect) if h is not None else None
        inputs.shifts[s.branch_id].append(RC.ShiftRecord(
            str(s.id), str(s.staff_id), s.post, s.happened_at, s.received_at, s.ended_at,
            s.clock_suspect, proof, s.end_received_at))
    for r in session.scalars(
        select(RosterShift).where(RosterShift.branch_id.in_(ids), RosterShift.starts_at < hi, RosterShift.ends_at > lo)
    ):
        inputs.plans[r.branch_id].append(
            RC.Plan(str(r.id), r.post, r.starts_at, r.ends_at, str(r.staff_id) if r.staff_id else None))
    for f in session.scalars(
        select(FloorRound).where(FloorRound.branch_id.in_(ids), FloorRound.business_date >= first,
                                 FloorRound.business_date <= last)
    ):
        inputs.rounds[(f.branch_id, f.business_date)][f.slot] = RC.Record(
            str(f.id), f.happened_at, f.received_at, f.clock_suspect)
    for staff_id, branch_id in session.execute(
        select(Staff.id, Staff.branch_id).where(Staff.branch_id.in_(ids), Staff.role == "operations_manager",
                                                Staff.active.is_(True))
    ):
        inputs.managers[branch_id].append(str(staff_id))
    wanted = set(ids)
    for c in engine().clients(session, branch_id=ids[0] if len(ids) == 1 else None):
        if c["branch_id"] in wanted or c["branch_id"] is None:
            inputs.devices[str(c["staff_id"])].append(c["synced_at"])
            inputs.device_rows[str(c["staff_id"])].append(c)
    return inputs


def _watermark(inputs: _Inputs, staff_ids: Iterable[str]) -> RC.Watermark:
    """``due -> (complete_until, devices)`` over the devices of ``staff_ids``."""
    staff = sorted(set(staff_ids))

    def mark(_due: datetime) -> tuple[datetime | None, list[dict[str, Any]]]:
        rows = [c for s in staff for c in inputs.device_rows.get(s, ())]
        if not rows:
            return None, []
        floor = datetime.min.replace(tzinfo=UTC)
        complete = min((c["synced_at"] or floor) for c in rows)
        return complete, [device_mark(c) for c in rows]

    return mark


def device_mark(client: Mapping[str, Any]) -> dict[str, Any]:
    """One device's watermark as the compliance answer shows it."""
    synced = client["synced_at"]
    return {
        "client_id": str(client["client_id"]),
        "staff_id": str(client["staff_id"]),
        "synced_until": synced.astimezone(UTC).isoformat().replace("+00:00", "Z") if synced else None,
    }


def _on_duty(inputs: _Inputs, branch_id: uuid.UUID, post: str, start: datetime, end: datetime) -> set[str]:
    """Staff on ``post`` at some time in ``[start, end)``: by their shifts, and by the roster
    (a shift started offline has not arrived yet)."""
    staff = {s.staff_id for s in inputs.shifts.get(branch_id, ())
             if s.post == post and s.started_at < end and (s.ended_at is None or s.ended_at > start)}
    staff |= {p.staff_id for p in inputs.plans.get(branch_id, ())
              if p.staff_id and p.post == post and p.starts_at < end and p.ends_at > start}
    return staff


def _judge_day(
    branch: Branch, day: date, at: datetime, cal: RCAL.WorkingCalendar, inputs: _Inputs
) -> tuple[list[RC.Verdict], int | None]:
    """Every rule's verdicts for one local day of one branch; the unknown calendar year
    when the day's hours depend on it (then no verdict is guessed for that rule)."""
    zone = ZoneInfo(branch.timezone)
    settings = branch.settings or {}
    guarded_key, business_key, unknown = _hours_keys(branch, day, cal)
    verdicts: list[RC.Verdict] = []
    if guarded_key is not None:
        windows = PC.guarded_hour_windows(day, branch.guarded_hours or {}, zone, key=guarded_key)
        lo, hi = _local_midnight(branch, day), _local_midnight(branch, day + timedelta(days=1))
        grace = PC.grace(settings)
        patrols = [p for p in inputs.patrols.get(branch.id, ()) if lo <= p.happened_at < hi + grace]

        def hour_mark(due: datetime) -> tuple[datetime | None, list[dict[str, Any]]]:
            start = due - grace - timedelta(hours=1)
            return _watermark(inputs, _on_duty(inputs, branch.id, SECURITY_POST, start, due))(due)

        verdicts += RC.patrol_verdicts(day, windows, patrols, at, settings, hour_mark).verdicts
    verdicts += _staffing(branch, day, at, inputs)
    if business_key is not None and (branch.business_hours or {}).get(business_key):
        slots = {slot: datetime.combine(day, time(*map(int, hhmm.split(":"))), tzinfo=zone).astimezone(UTC)
                 for slot, hhmm in FS.value(settings, "floor_round_slots").items()}
        tol = timedelta(minutes=int(RC.setting(settings, "floor_round_tolerance_minutes")))
        verdicts += RC.floor_round_verdicts(day, slots, inputs.rounds.get((branch.id, day), {}), at, tol,
                                            _watermark(inputs, inputs.managers.get(branch.id, ())))
    return verdicts, unknown


def _hours_keys(branch: Branch, day: date, cal: RCAL.WorkingCalendar) -> tuple[str | None, str | None, int | None]:
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


def _staffing(branch: Branch, day: date, at: datetime, inputs: _Inputs) -> list[RC.Verdict]:
    """R-SEC-2 for the planned shifts starting on local ``day``."""
    settings = branch.settings or {}
    lo, hi = _local_midnight(branch, day), _local_midnight(branch, day + timedelta(days=1))
    all_plans = inputs.plans.get(branch.id, [])
    if not all_plans:
        return []
    grace = timedelta(minutes=int(FS.value(settings, "unstaffed_grace_minutes")))
    early = timedelta(minutes=int(FS.value(settings, "shift_early_start_minutes")))
    matched = RC.match_roster(all_plans, inputs.shifts.get(branch.id, ()), grace, early)
    plans = [p for p in all_plans if lo <= p.starts_at < hi]
    handover_grace = timedelta(minutes=int(RC.setting(settings, "handover_grace_minutes")))
    return RC.staffing_verdicts(
        day, plans, matched, at, grace, lambda p: _watermark(inputs, [p.staff_id] if p.staff_id else [])
    ) + RC.handover_verdicts(day, plans, matched, at, handover_grace, lambda s: _watermark(inputs, [s.staff_id]))


# ---------------------------------------------------------------- writing


_COMPARED = ("rule_version", "window_end", "due_at", "verdict", "status", "evidence", "clock_suspect", "detail")


def _upsert(verdicts: list[tuple[Branch, RC.Verdict]], at: datetime, out: Outcome) -> list[Obligation]:
    """Insert new obligations, update changed ones (two ``executemany`` at most), publish
    what changed; returns every judged obligation (transient copies for the unchanged)."""
    from ..sync_setup import record_put

    session = db.session
    if not verdicts:
        return []
    keyed = {obligation_id(b.id, v.rule, v.subject_kind, v.subject_id, v.window_start): (b, v) for b, v in verdicts}
    existing = _existing(list(keyed))
    excuses = latest_excuses(list(keyed))
    inserts, updates, rows = [], [], []
    for oid, (branch, v) in keyed.items():
        values = {
            "id": oid, "branch_id": branch.id, "rule": v.rule, "rule_version": v.version,
            "subject_kind": v.subject_kind, "subject_id": v.subject_id, "business_date": v.business_date,
            "window_start": v.window_start, "window_end": v.window_end, "due_at": v.due_at,
            "verdict": v.status, "status": RC.shown_status(v.status, excuses.get(oid)),
            "evidence": list(v.evidence), "clock_suspect": v.clock_suspect, "detail": dict(v.detail),
            "judged_at": at, "updated_at": at,
        }
        old = existing.get(oid)
        if old is None:
            inserts.append(values)
        elif any(old[k] != values[k] for k in _COMPARED):
            updates.append(values)
        else:
            values["judged_at"], values["updated_at"] = old["judged_at"], old["updated_at"]
        rows.append(Obligation(**values))
    if inserts:
        session.execute(insert(Obligation), inserts)
    if updates:
        session.execute(update(Obligation), updates)
    changed = {v["id"] for v in inserts} | {v["id"] for v in updates}
    for row in rows:
        if row.id in changed:
            record_put("obligation", row)
    out.obligations += len(rows)
    out.inserted += len(inserts)
    out.updated += len(updates)
    return rows


def _existing(ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    cols = [Obligation.id, Obligation.judged_at, Obligation.updated_at] + [getattr(Obligation, c) for c in _COMPARED]
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for chunk in chunks(ids):
        for r in db.session.execute(select(*cols).where(Obligation.id.in_(chunk))):
            found[r.id] = dict(r._mapping)
    return found


def latest_excuses(ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The action of the latest excuse record of each obligation that has one."""
    latest: dict[uuid.UUID, tuple[datetime, str]] = {}
    for chunk in chunks(ids):
        for r in db.session.execute(
            select(ObligationExcuse.obligation_id, ObligationExcuse.at, ObligationExcuse.action, ObligationExcuse.id)
            .where(ObligationExcuse.obligation_id.in_(chunk))
            .order_by(ObligationExcuse.at, ObligationExcuse.id)
        ):
            latest[r.obligation_id] = (r.at, r.action)
    return {k: v[1] for k, v in latest.items()}


def chunks(ids: list[uuid.UUID], size: int = 5000) -> Iterable[list[uuid.UUID]]:
    """Id lists in slices a driver accepts (SQLite binds at most 32,766 parameters): one
    statement per 5,000 obligations, so still bounded by the day's size, not the branches."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _progress(settled: Mapping[uuid.UUID, date], known: Mapping[uuid.UUID, date], at: datetime) -> None:
    """Move each branch's ``closed_through`` forward to its last settled day (two
    ``executemany`` at most)."""
    new = [{"branch_id": b, "closed_through": d, "updated_at": at} for b, d in settled.items() if b not in known]
    moved = [{"branch_id": b, "closed_through": d, "updated_at": at} for b, d in settled.items()
             if b in known and known[b] < d]
    if new:
        db.session.execute(insert(ComplianceProgress), new)
    if moved:
        db.session.execute(update(ComplianceProgress), moved)


#: Who may excuse an obligation of their own branch (a supervisor, #14).
EXCUSERS = frozenset({"lobby_manager", "service_quality_officer", "operations_manager", "branch_president"})


def excuse_obligation(
    staff_id: uuid.UUID, obligation_uuid: uuid.UUID, reason: str, now: datetime, *, withdraw: bool = False
) -> Obligation:
    """Append an excuse (or, with ``withdraw``, its withdrawal) of an obligation by a
    supervisor of its branch, and re-judge its day at once: the status shows ``excused``
    (or the verdict again) and its alerts resolve (or open again). Commits.

    Raises :class:`NotFound` for an unknown obligation or one of another branch (R-SEC-10),
    :class:`Forbidden` for a role that does not supervise, :class:`ValidationFailed` for an
    empty reason.
    """
    from ..errors import Forbidden, NotFound, ValidationFailed

    actor = db.session.get(Staff, staff_id)
    row = db.session.get(Obligation, obligation_uuid)
    if actor is None or row is None or actor.branch_id != row.branch_id:
        raise NotFound("No such obligation.", code="not_found")
    if actor.role not in EXCUSERS:
        raise Forbidden("Only a supervisor of the branch may excuse an obligation.", code="forbidden")
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Give a reason."]})
    db.session.add(ObligationExcuse(
        obligation_id=row.id, branch_id=row.branch_id, action="withdraw" if withdraw else "excuse",
        reason=reason.strip(), staff_id=actor.id, at=now,
    ))
    db.session.flush()
    evaluate(now, branch_ids=[row.branch_id], days=[row.business_date], commit=False)
    db.session.commit()
    return db.session.get(Obligation, obligation_uuid)
