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
from types import SimpleNamespace
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, update

from ..extensions import db
from ..models.base import iso
from ..models.compliance import ComplianceProgress, Obligation, ObligationExcuse, obligation_id
from ..models.org import Branch, Staff
from ..models.patrol import Patrol
from ..rules import alert as RA
from ..rules import calendar as RCAL
from ..rules import compliance as RC
from ..rules import settings as FS
from ..rules import patrol_compliance as PC
from ..rules import permissions as P
from . import alert as alert_service
from . import calendar as calendar_service
from . import duty
from .duty import SELF_SERVICE, device_mark
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
            "at": iso(self.at), "branches": self.branches, "days": self.days,
            "obligations": self.obligations, "inserted": self.inserted, "updated": self.updated,
            "alerts_raised": self.alerts_raised, "alerts_resolved": self.alerts_resolved,
            "unknown_years": sorted(self.unknown_years),
        }


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
    inputs = duty.load(ids, lo, hi, min(days[i][0] for i in ids), max(days[i][-1] for i in ids))
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
    scope = judged(ids, min(days[i][0] for i in ids), max(days[i][-1] for i in ids))
    rows = _upsert(verdicts, at, out, scope)
    out.alerts_raised, out.alerts_resolved = alert_service.refresh(
        rows, branch_alerts, at, {b.id: b.settings for b in branches}, cal, scope)
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


def _judge_day(
    branch: Branch, day: date, at: datetime, cal: RCAL.WorkingCalendar, inputs: duty.Inputs
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
            return duty.watermark(inputs, duty.on_duty(inputs, branch.id, SECURITY_POST, start, due))(due)

        verdicts += RC.patrol_verdicts(day, windows, patrols, at, settings, hour_mark).verdicts
    verdicts += _staffing(branch, day, at, inputs)
    if business_key is not None and (branch.business_hours or {}).get(business_key):
        slots = {slot: datetime.combine(day, time(*map(int, hhmm.split(":"))), tzinfo=zone).astimezone(UTC)
                 for slot, hhmm in FS.value(settings, "floor_round_slots").items()}
        tol = timedelta(minutes=int(FS.value(settings, "floor_round_tolerance_minutes")))
        verdicts += RC.floor_round_verdicts(day, slots, inputs.rounds.get((branch.id, day), {}), at, tol,
                                            duty.watermark(inputs, inputs.managers.get(branch.id, ())))
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


def _staffing(branch: Branch, day: date, at: datetime, inputs: duty.Inputs) -> list[RC.Verdict]:
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
    handover_grace = timedelta(minutes=int(FS.value(settings, "handover_grace_minutes")))
    return RC.staffing_verdicts(
        day, plans, matched, at, grace, lambda p: duty.watermark(inputs, [p.staff_id] if p.staff_id else [])
    ) + RC.handover_verdicts(day, plans, matched, at, handover_grace, lambda s: duty.watermark(inputs, [s.staff_id]))


# ---------------------------------------------------------------- writing


_COMPARED = ("rule_version", "window_end", "due_at", "verdict", "status", "evidence", "clock_suspect", "detail")


def _upsert(verdicts: list[tuple[Branch, RC.Verdict]], at: datetime, out: Outcome, scope: Any) -> list[Any]:
    """Insert new obligations, update changed ones (two ``executemany`` at most), publish
    what changed; returns every judged obligation as plain values."""
    from ..sync_setup import engine as sync_engine

    session = db.session
    if not verdicts:
        return []
    keyed = {obligation_id(b.id, v.rule, v.subject_kind, v.subject_id, v.window_start): (b, v) for b, v in verdicts}
    existing = _existing(scope)
    excuses = latest_excuses(scope)
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
        rows.append(SimpleNamespace(**values))  # serialised like an Obligation, without the ORM's cost
    table = Obligation.__table__
    if inserts:
        session.execute(table.insert(), inserts)
    if updates:
        cols = ("rule_version", "window_end", "due_at", "verdict", "status", "evidence", "clock_suspect", "detail",
                "judged_at", "updated_at")
        stmt = table.update().where(table.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in cols})
        session.execute(stmt, [{"b_id": v["id"], **{f"b_{c}": v[c] for c in cols}} for v in updates])
    feed = sync_engine()
    fresh = {v["id"] for v in inserts}
    changed = fresh | {v["id"] for v in updates}
    for row in rows:
        if row.id in changed:  # a new row has no feed rows to turn into tombstones: created=True
            feed.put(session, "obligation", row, created=row.id in fresh)
    out.obligations += len(rows)
    out.inserted += len(inserts)
    out.updated += len(updates)
    return rows


def judged(branch_ids: Sequence[uuid.UUID], first: date, last: date) -> Any:
    """The SQL condition on ``obligation`` of one evaluation: its branches and local days.
    One range, whatever the number of branches (no id lists that grow with the day)."""
    return (Obligation.branch_id.in_(list(branch_ids))) & Obligation.business_date.between(first, last)


def _existing(scope: Any) -> dict[uuid.UUID, dict[str, Any]]:
    cols = [Obligation.id, Obligation.judged_at, Obligation.updated_at] + [getattr(Obligation, c) for c in _COMPARED]
    return {r.id: dict(r._mapping) for r in db.session.execute(select(*cols).where(scope))}


def latest_excuses(scope: Any) -> dict[uuid.UUID, str]:
    """The action of the latest excuse record of each obligation in ``scope`` that has one."""
    latest: dict[uuid.UUID, str] = {}
    for r in db.session.execute(
        select(ObligationExcuse.obligation_id, ObligationExcuse.action)
        .join(Obligation, Obligation.id == ObligationExcuse.obligation_id)
        .where(scope)
        .order_by(ObligationExcuse.at, ObligationExcuse.id)
    ):
        latest[r.obligation_id] = r.action
    return latest


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




def excuse_obligation(
    staff_id: uuid.UUID, obligation_uuid: uuid.UUID, reason: str, now: datetime, *, withdraw: bool = False,
    commit: bool = True,
) -> Obligation:
    """Append an excuse (or, with ``withdraw``, its withdrawal) of an obligation by a
    supervisor of its branch, and re-judge its day at once: the status shows ``excused``
    (or the verdict again) and its alerts resolve (or open again). Commits unless
    ``commit=False`` (the ``obligation.excuse`` mutation's transaction).

    Raises :class:`NotFound` for an unknown obligation or one of another branch (R-SEC-10),
    :class:`Forbidden` for a role that does not supervise, :class:`ValidationFailed` for an
    empty reason.
    """
    from ..errors import Forbidden, NotFound, ValidationFailed

    actor = db.session.get(Staff, staff_id)
    row = db.session.get(Obligation, obligation_uuid)
    if actor is None or row is None or actor.branch_id != row.branch_id:
        raise NotFound("No such obligation.", code="not_found")
    if actor.role not in P.roles_for("obligation.excuse"):
        raise Forbidden("Only a supervisor of the branch may excuse an obligation.", code="forbidden")
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Give a reason."]})
    db.session.add(ObligationExcuse(
        obligation_id=row.id, branch_id=row.branch_id, action="withdraw" if withdraw else "excuse",
        reason=reason.strip(), staff_id=actor.id, at=now,
    ))
    db.session.flush()
    evaluate(now, branch_ids=[row.branch_id], days=[row.business_date], commit=False)
    if commit:
        db.session.commit()
    db.session.refresh(row)
    return row


# ---------------------------------------------------------------- reads


def day_report(branch: Branch, day: date, now: datetime) -> dict[str, Any]:
    """The contract's compliance answer for one branch and local day (sync-protocol
    "Compliance, as seen from outside"), plus each device's watermark and the R-SEC-5 day
    summary (hour coverage, longest unwatched stretch). Reads stored verdicts: the engine
    and the push keep them current."""
    from ..sync_setup import engine

    rows = list(db.session.scalars(
        select(Obligation).where(Obligation.branch_id == branch.id, Obligation.business_date == day)
        .order_by(Obligation.rule, Obligation.window_start, Obligation.subject_id)
    ))
    hours = [r for r in rows if r.rule == RC.PATROL]
    lo, hi = _local_midnight(branch, day), _local_midnight(branch, day + timedelta(days=1))
    seen = list(db.session.scalars(select(Patrol.happened_at).where(
        Patrol.branch_id == branch.id, Patrol.area == SELF_SERVICE, Patrol.happened_at >= lo, Patrol.happened_at < hi)))
    stretch = RC.longest_unwatched([(h.window_start, h.window_end) for h in hours], seen, now)
    met = sum(1 for h in hours if h.status in RC.DONE)
    return {
        "date": day.isoformat(),
        "branch_id": str(branch.id),
        "obligations": [contract_dict(r) for r in rows],
        "devices": [device_mark(c) for c in engine().clients(db.session, branch_id=branch.id)],
        "patrol": {
            "hours": len(hours), "hours_met": met,
            "coverage": None if not hours else round(met / len(hours), 4),
            "longest_unwatched_minutes": 0 if stretch is None else int((stretch[1] - stretch[0]).total_seconds() // 60),
            "longest_unwatched": None if stretch is None else {"from": iso(stretch[0]), "to": iso(stretch[1])},
        },
    }


def contract_dict(row: Obligation) -> dict[str, Any]:
    """One obligation as the contract lists it (``rule``, ``subject``, window, ``due_at``,
    ``status``, ``evidence``), with the rule version, the clock flag and the detail."""
    d = row.to_dict()
    return {k: d[k] for k in ("id", "rule", "rule_version", "subject", "window_start", "window_end", "due_at",
                              "status", "verdict", "evidence", "clock_suspect", "detail")}


def regional_report(day: date) -> dict[str, Any]:
    """Every branch's obligations of local ``day`` counted by rule and status (the regional
    officer's view): one grouped statement."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for branch_id, rule, status, n in db.session.execute(
        select(Obligation.branch_id, Obligation.rule, Obligation.status, func.count())
        .where(Obligation.business_date == day).group_by(Obligation.branch_id, Obligation.rule, Obligation.status)
    ):
        counts[str(branch_id)][rule][status] = n
    branches = db.session.execute(select(Branch.id, Branch.code, Branch.name).order_by(Branch.code)).all()
    return {"date": day.isoformat(), "branches": [
        {"branch_id": str(b.id), "code": b.code, "name": b.name, "rules": counts.get(str(b.id), {})} for b in branches
    ]}


def rejudge(branch_id: uuid.UUID | None, happened_at: datetime, now: datetime) -> None:
    """Re-judge the obligations a record that happened at ``happened_at`` can touch — its
    branch's local day and the day before (a patrol just after midnight may prove the last
    hour of the day before) — in the caller's transaction: a push that brings a late patrol
    turns its hour ``met_synced_late`` and resolves its alert before it commits (#14)."""
    if branch_id is None:
        return
    branch = db.session.get(Branch, branch_id)
    if branch is None or branch.go_live_date is None:
        return
    local = _local_date(branch, happened_at)
    evaluate(now, branch_ids=[branch_id], days=[local - timedelta(days=1), local], commit=False)


def branch_day(actor: Staff, branch_id: uuid.UUID, day: date, now: datetime) -> dict[str, Any]:
    """:func:`day_report` for a reader of the branch's obligations (the permission table):
    ``Forbidden`` for a role that never reads them, ``NotFound`` for another branch."""
    from .incident import readable_branch

    return day_report(readable_branch(actor, branch_id, "obligation"), day, now)


def regional_day(actor: Staff, day: date) -> dict[str, Any]:
    """:func:`regional_report` for the parent branch's department (``regional_officer``) and
    administrators without a branch; ``Forbidden`` for everyone else."""
    from ..errors import Forbidden

    if actor.role != "regional_officer" and not (actor.role == "admin" and actor.branch_id is None):
        raise Forbidden("The regional view is for the parent branch's departments.")
    return regional_report(day)


def today(actor: Staff, branch_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Supervisors' "today at a glance": the patrol hour grid with statuses, the day's
    other obligations, open alerts routed to the actor's role, and the rejected mutations
    of the branch waiting for review."""
    from ..models.alert import Alert
    from ..sync_setup import engine
    from .incident import readable_branch

    branch = readable_branch(actor, branch_id, "obligation")
    report = day_report(branch, _local_date(branch, now), now)
    zone = ZoneInfo(branch.timezone)
    grid = [{"hour": datetime.fromisoformat(o["window_start"].replace("Z", "+00:00")).astimezone(zone).strftime("%H:%M"),
             "status": o["status"], "due_at": o["due_at"], "evidence": o["evidence"]}
            for o in report["obligations"] if o["rule"] == RC.PATROL]
    alerts = [a.to_dict() for a in db.session.scalars(
        select(Alert).where(Alert.branch_id == branch.id, Alert.resolved_at.is_(None)).order_by(Alert.raised_at))
        if actor.role in (a.roles or ())]
    # Only what identifies each rejected mutation: its args may carry customer data (R-SEC-10);
    # the full record is in the supervisors' rejected-mutations list.
    rejected = [{k: m[k] for k in ("client_id", "id", "name", "staff_id", "received_at", "happened_at")}
                | {"code": (m["error"] or {}).get("code")}
                for m in engine().list_mutations(db.session, branch_id=branch.id, status="rejected", limit=50)]
    return {
        "date": report["date"], "branch_id": report["branch_id"], "timezone": branch.timezone,
        "patrol_hours": grid, "patrol": report["patrol"],
        "obligations": [o for o in report["obligations"] if o["rule"] != RC.PATROL],
        "alerts": alerts, "rejected_mutations": {"count": len(rejected), "items": rejected},
        "devices": report["devices"],
    }
