"""The compliance engine: judge every open window of every branch as of one instant (#14).

:func:`evaluate` is what the scheduler's jobs and ``flask compliance run --at T`` call.
It is set-based: whatever the number of branches, it reads each kind of input with one
statement over the whole date range (``duty.load``), judges in memory with the pure
``rules.compliance`` (field rules: ``compliance_field``), and writes obligations and alerts
with a bounded number of ``executemany`` statements (``compliance_store``). Running it
twice for one instant changes nothing the second time (rows are compared before they are
written). The reads are ``compliance_read``; the day plumbing ``compliance_window``.

A branch is judged from its go-live date, or from the day after
``compliance_progress.closed_through`` (the last day whose obligations are all settled),
up to the local day of ``at``: a server that was down judges the hours it missed.
"""
from __future__ import annotations

import gc
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import select

from ..extensions import db
from ..models.base import iso
from ..models.compliance import Obligation, ObligationExcuse, obligation_id
from ..models.org import Branch, Staff
from ..rules import alert as RA
from ..rules import calendar as RCAL
from ..rules import complaint_compliance as CC
from ..rules import compliance as RC
from ..rules import permissions as P
from ..rules import settings as FS
from . import alert as alert_service
from . import calendar as calendar_service
from . import compliance_focus as CF
from . import compliance_lobby as lobby_rules
from . import compliance_store as store
from . import duty
from .compliance_field import judge_field_day
from .compliance_focus import Focus
# The reads the API calls through this module (the engine's one entry point).
from .compliance_read import branch_day, contract_dict, day_report, regional_day, regional_report, today  # noqa: F401
from .compliance_store import judged, latest_excuses  # noqa: F401
from .compliance_window import days_to_judge, local_date, local_midnight

UTC = timezone.utc
#: The rule families one evaluation can be limited to (``evaluate(rules=...)``) and the
#: rule ids of each: what a push re-judges is the families its records can change.
FAMILIES: dict[str, tuple[str, ...]] = {
    "patrol": (RC.PATROL,),  # R-SEC-5
    "staffing": (RC.STAFFING,),  # R-SEC-2: unstaffed posts, overruns without handover
    "rounds": (RC.FLOOR,),  # R-OPS-1
    "box": (RC.BOX_OPEN, RC.BOX_REPLY, RC.BOX_CALLBACK, CC.DAILY_STATISTICS),  # R-BOX-1..3, R-CMP-10
    "cases": CC.RULES,  # the complaint deadlines
}
#: Rules in family order: a repeated-miss tie names the same rule however a day was judged.
_RULE_ORDER = {r: i for i, r in enumerate(r for rules in FAMILIES.values() for r in rules)}


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
    rules: Iterable[str] | None = None,
    commit: bool = True,
    focus: Focus | None = None,
) -> Outcome:
    """Judge every window of every live branch (or of ``branch_ids``) that has opened by
    ``at`` since the branch's last settled day (or only the local ``days`` given, settled
    or not: a late record re-judges its day); upsert obligations and alerts; publish the
    changes to pulls. Idempotent for one ``at``. Commits unless ``commit=False`` (the push
    transaction re-judges with it).

    ``rules``: only these families of :data:`FAMILIES` (a push's re-judging, which needs
    ``days``); the other rules' obligations and alerts are left as stored, and a day's
    repeated-miss count reads their stored misses. With the other families' obligations
    judged at the same ``at``, the outcome equals a full evaluation's. The scheduler
    always judges every family.

    ``focus`` (one branch in ``branch_ids``, no ``days`` or ``rules``): only what a
    push's records can touch (``compliance_focus.Focus``, #17): per family its days, the
    R-SEC-5 hours its spans touch, the complaint cases it names. What it judges gets the
    verdicts a whole-day evaluation at ``at`` gives; every other obligation stays as
    stored and counts, as stored, for its day's repeated misses."""
    with _collector_paused():
        return _evaluate(at, branch_ids, days, rules, commit, focus)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one evaluation. A day of 1,400
    branches makes a few hundred thousand small objects (verdicts, rows, feed rows) that
    all live until the commit and hold no cycles; the collector walked them again and
    again while they were made, a sixth of the evaluation's CPU (#14 "Speed").
    Reference counting still frees everything; the collector runs again afterwards."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _evaluate(
    at: datetime, branch_ids: Iterable[uuid.UUID] | None, days: Iterable[date] | None,
    rules: Iterable[str] | None, commit: bool, focus: Focus | None = None,
) -> Outcome:
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    at = at.astimezone(UTC)
    if focus is not None:
        branch_ids = list(branch_ids or ())
        if len(branch_ids) != 1 or days is not None or rules is not None:
            raise ValueError("a focus judges one branch, without days or rules")
        rules, days = list(focus.days), focus.all_days()
    families = frozenset(FAMILIES if rules is None else rules)
    if families - set(FAMILIES) or (rules is not None and days is None):
        raise ValueError(f"rules {sorted(families)}: families of FAMILIES, with days")
    out = Outcome(at)
    session = db.session
    q = select(Branch).where(Branch.go_live_date.is_not(None))
    if branch_ids is not None:
        q = q.where(Branch.id.in_(list(branch_ids)))
    branches = list(session.scalars(q))
    if not branches:
        return out
    progress = store.read_progress([b.id for b in branches])
    wanted_days = sorted(set(days)) if days is not None else None
    days = {b.id: days_to_judge(b, progress.get(b.id), at, wanted_days) for b in branches}
    branches = [b for b in branches if days[b.id]]
    if not branches:
        return out
    lo = min(local_midnight(b, days[b.id][0]) for b in branches) - timedelta(hours=1)
    hi = max(local_midnight(b, days[b.id][-1] + timedelta(days=1)) for b in branches) + timedelta(hours=2)
    ids = [b.id for b in branches]
    first, last = min(days[i][0] for i in ids), max(days[i][-1] for i in ids)
    cal = calendar_service.working_calendar()
    plan = case_lo = patrols_in = None
    if focus is not None:  # one branch: its hours, its span of shifts and patrols
        plan = CF.patrol_plan(branches[0], focus, days[ids[0]], cal, at)
        field_lo, field_hi, patrols_in = CF.ranges(branches[0], focus, days[ids[0]], plan)
        case_lo = focus.cases_since
        lo, hi = (field_lo, field_hi) if families & {"patrol", "staffing"} else (lo, hi)
    fitting = None  # R-SEC-2 alone asks only the shifts that can staff a plan
    if focus is not None and "staffing" in families and (
            "patrol" not in families or (plan is not None and not any(keep for _c, keep in plan.values()))):
        fitting = (timedelta(minutes=int(FS.value(branches[0].settings, "shift_early_start_minutes"))),
                   timedelta(minutes=int(FS.value(branches[0].settings, "unstaffed_grace_minutes"))))
    inputs = duty.load(ids, lo, hi, first, last, families, patrols_in, fitting)  # what the judged families read (#17)
    lobby = (lobby_rules.load(ids, case_lo or lo, first, last, families, None if focus is None else focus.cases)
             if families & {"box", "cases"} else lobby_rules.LobbyInputs())
    focus_scope = None if focus is None else CF.scope(
        ids[0], focus, families, FAMILIES, days[ids[0]],
        None if plan is None else {s for _c, keep in plan.values() for s in keep},
        {c.id for _d, c, _o in lobby.cases.get(ids[0], ())})
    others = (_stored_misses(ids, first, last, families) if focus_scope is None
              else _misses_outside(ids[0], days[ids[0]], focus_scope))
    notice = RCAL.missing_years(cal, at)  # from 1 November: next year's calendar (#13)
    verdicts: list[tuple[Branch, RC.Verdict]] = []
    branch_alerts: list[alert_service.BranchAlert] = []
    settled_through: dict[uuid.UUID, date] = {}
    for branch in branches:
        out.branches += 1
        cases = lobby_rules.judge_cases(branch, at, inputs, lobby) if "cases" in families else []
        verdicts.extend((branch, v) for v in cases)
        needed = lobby_rules.unknown_years(branch, lobby)  # years a deadline or a day's hours need
        open_seen = wanted_days is not None  # re-judging chosen days never moves the progress
        for day in days[branch.id]:
            out.days += 1
            on_day = families if focus is None else {f for f in families if day in focus.days[f]}
            day_verdicts, unknown = judge_field_day(branch, day, at, cal, inputs, on_day,
                                                    None if plan is None else plan.get(day, ([], set())))
            if "box" in on_day:
                day_verdicts += lobby_rules.judge_box_day(branch, day, at, cal, inputs, lobby)
            if unknown is not None:
                needed.add(unknown)
            verdicts.extend((branch, v) for v in day_verdicts)
            _repeated_misses(branch, day, day_verdicts + [v for v in cases if v.business_date == day]
                             + others.get((branch.id, day), []), branch_alerts)
            settled = unknown is None and day < local_date(branch, at) and all(
                v.status in RC.SETTLED for v in day_verdicts)
            open_seen = open_seen or not settled
            if not open_seen:
                settled_through[branch.id] = day
        out.unknown_years |= needed
        branch_alerts += [(branch, "calendar_unknown", str(y), None, RA.CALENDAR_UNKNOWN_ROLES)
                          for y in sorted(needed | set(notice))]
    if focus_scope is not None:
        scope = focus_scope
    else:
        scope = judged(ids, first, last, None if rules is None else _rule_ids(families - {"cases"}))
        case_scope = lobby_rules.scope(ids, lobby, last) if "cases" in families else None
        if case_scope is not None:
            scope = scope | case_scope
    rows, inserted, updated = store.upsert(verdicts, at, scope)
    out.obligations, out.inserted, out.updated = len(rows), inserted, updated
    out.alerts_raised, out.alerts_resolved = alert_service.refresh(
        rows, branch_alerts, at, {b.id: b.settings for b in branches}, cal, scope,
        {(b.id, d.isoformat()) for b in branches for d in days[b.id]})
    store.save_progress(settled_through, progress, at)
    if commit:
        session.commit()
    return out



def _rule_ids(families: Iterable[str]) -> list[str]:
    return [r for f in families for r in FAMILIES[f]]


def _stored_misses(
    ids: list[uuid.UUID], first: date, last: date, families: frozenset[str]
) -> dict[tuple[uuid.UUID, date], list[RC.Verdict]]:
    """The stored ``missed`` obligations of the families an evaluation does not judge,
    by branch and day (one read; none when it judges them all): a day's repeated-miss
    alert counts every rule's misses, whichever families a push re-judged."""
    skipped = _rule_ids(set(FAMILIES) - families)
    if not skipped:
        return {}
    found: dict[tuple[uuid.UUID, date], list[Any]] = {}
    for r in db.session.execute(select(Obligation.branch_id, Obligation.business_date, Obligation.rule).where(
            judged(ids, first, last, skipped), Obligation.verdict == RC.MISSED)):
        found.setdefault((r.branch_id, r.business_date), []).append(SimpleNamespace(rule=r.rule, status=RC.MISSED))
    return found


def _misses_outside(
    branch_id: uuid.UUID, days: list[date], scope: Any
) -> dict[tuple[uuid.UUID, date], list[RC.Verdict]]:
    """The stored ``missed`` obligations of ``days`` a focused evaluation does not judge
    (outside its ``scope``), by branch and day: one read."""
    found: dict[tuple[uuid.UUID, date], list[Any]] = {}
    for r in db.session.execute(select(Obligation.business_date, Obligation.rule).where(
            Obligation.branch_id == branch_id, Obligation.business_date.in_(days), Obligation.verdict == RC.MISSED,
            ~scope)):
        found.setdefault((branch_id, r.business_date), []).append(SimpleNamespace(rule=r.rule, status=RC.MISSED))
    return found


def _repeated_misses(
    branch: Branch, day: date, day_verdicts: list[RC.Verdict], found: list[alert_service.BranchAlert]
) -> None:
    """A day with at least ``repeated_miss_threshold`` missed obligations (any rule: patrol
    hours, posts, rounds, the box, complaint deadlines) alerts the branch president; the
    alert names the rule missed most."""
    ordered = sorted(day_verdicts, key=lambda v: _RULE_ORDER.get(v.rule, len(_RULE_ORDER)))
    missed = Counter(v.rule for v in ordered if v.status == RC.MISSED)
    if RA.is_repeated_miss(sum(missed.values()), branch.settings):
        found.append((branch, "repeated_missed", day.isoformat(), missed.most_common(1)[0][0],
                      RA.REPEATED_MISSED_ROLES))


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


def rejudge(branch: Branch, items: Sequence[CF.Touched], now: datetime) -> None:
    """Re-judge what a push's records can touch, in the caller's transaction, one
    evaluation for them all (``items``: each record's time, the families its mutator's
    noun can change, ``None`` for all, and the records its service returned): a push that
    brings a late patrol turns its hour ``met_synced_late`` and resolves its alert before
    it commits (#14). Only what the records can change is judged
    (``compliance_focus.of_records``: a case's deadlines, a box's business date, the
    patrol hours a patrol or a guard's shift touches, #17); it gets the verdicts a
    whole-day evaluation at ``now`` would store."""
    if branch.go_live_date is None:
        return
    focus = CF.of_records(branch, items, now, FAMILIES)
    if focus.days:
        evaluate(now, branch_ids=[branch.id], focus=focus, commit=False)


def field_verdicts(branch: Branch, day: date, now: datetime) -> list[RC.Verdict]:
    """The field rules' verdicts (R-SEC-5, R-SEC-2, R-OPS-1) of one branch-local ``day`` as
    of ``now``, each with the status it shows (``excused`` by the latest excuse), judged in
    memory by the engine's own code and inputs (device watermarks included) without
    writing: what :func:`evaluate` stores for that day at ``now``. The patrol hour grid
    reads its statuses here, so a day has one answer (R-SEC-5). A day whose hours need an
    unknown calendar year has no patrol verdicts (never a guess)."""
    lo, hi = local_midnight(branch, day) - timedelta(hours=1), local_midnight(branch, day + timedelta(days=1))
    inputs = duty.load([branch.id], lo, hi + timedelta(hours=2), day, day)
    verdicts, _unknown = judge_field_day(branch, day, now.astimezone(UTC), calendar_service.working_calendar(), inputs)
    excuses = latest_excuses(judged([branch.id], day, day))
    return [replace(v, status=RC.shown_status(v.status, excuses.get(
        obligation_id(branch.id, v.rule, v.subject_kind, v.subject_id, v.window_start)))) for v in verdicts]
