"""What a push's re-judging judges (#17): the obligations its records can touch, narrower
than the whole local days of every rule family.

A :class:`Focus` names, per family of ``compliance.FAMILIES``, the local days to judge;
for R-SEC-5 the spans of time whose patrol hours can change (a patrol's time, a guard's
shift from its start or end until now), and for the complaint deadlines the cases. The
engine (``compliance.evaluate(focus=...)``) judges only that and stores exactly what a
whole-day evaluation at the same instant stores for it: the hours it judges are judged
with every hour and patrol their matching depends on (:func:`patrol_hours`).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Collection, Sequence

from sqlalchemy import false, or_

from ..models.compliance import Obligation
from ..rules import complaint_compliance as CC
from ..rules import compliance as RC

_HOUR = timedelta(hours=1)
Window = tuple[datetime, datetime]


@dataclass
class Focus:
    """The part of one branch's obligations a re-judge judges.

    ``days``: family -> the local days judged for it (a family absent is not judged).
    ``spans``: R-SEC-5 judges only the hours of its days that a span touches
    (:func:`touches`), where patrols came (each patrol's time), and those ``duty``
    touches, where who was on duty changed (a guard's shift); ``None``: every hour of
    its days. ``cases``: the complaint cases
    whose deadlines are judged (``None``: every case the engine would judge), and
    ``cases_since``: cases closed before it are not judged (the whole-family re-judge's
    bound, ``compliance_lobby.load``). ``case_days``: the intake days of ``cases``, whose
    repeated-miss count (R-CMP-*, any rule) the re-judge recounts."""

    days: dict[str, set[date]] = field(default_factory=dict)
    spans: list[Window] | None = None
    duty: list[Window] = field(default_factory=list)
    cases: set[uuid.UUID] | None = None
    cases_since: datetime | None = None
    case_days: set[date] = field(default_factory=set)

    def all_days(self) -> list[date]:
        """Every local day something is judged on, sorted."""
        return sorted(set(self.case_days).union(*self.days.values()))


def touches(window: Window, span: Window, grace: timedelta) -> bool:
    """Whether a change within ``span`` can change the R-SEC-5 verdict of the hour
    ``window``: a patrol in ``[start, end + grace)`` may prove it, and a guard on duty in
    ``[end - 1 h, end + grace)`` decides ``unconfirmed`` or ``missed`` for it
    (``compliance_field``'s ``hour_mark``). The first range is inside the second."""
    start, end = window
    return end - _HOUR <= span[1] and end + grace > span[0]


def patrol_hours(windows: Sequence[Window], spans: Sequence[Window], grace: timedelta,
                 duty: Sequence[Window] = (), settled: Collection[datetime] = ()) -> tuple[list[Window], set[datetime]]:
    """The hour windows to judge (``context``: a run of the day's sorted ``windows``) and the
    starts of the hours whose verdicts to keep (``keep``). Judged alone, with the patrols
    of ``[context start, context end + grace)``, the kept hours get the verdicts
    ``rules.patrol_compliance.judge_hours`` gives them among all the day's hours (R-SEC-5).

    Kept: every hour a span touches (:func:`touches`), and every hour whose choice can
    change with theirs: an hour's own pick comes from its window ``W = [start, end)``, and
    an hour without one takes an unused patrol from ``R = [end, end + grace)`` (hours in
    order); a changed pick in ``W`` or ``R`` of one hour can change the grace pick of
    another hour whose ``R`` overlaps it. The context adds what the kept hours' picks
    depend on: the windows overlapping their ``R`` (their own picks come first), and the
    earlier hours whose ``R`` overlaps a kept or added hour's ``R`` (their grace picks
    come first). Clock hours longer than the grace period keep the touched hours and
    the hour before each, and judge one hour more on either side at most.

    ``duty``: spans where only who was on duty changed, which changes no pick: the hours
    they touch are kept, but for those starting at ``settled`` (their stored verdict
    holds its evidence, or is pending before its due time: nobody on duty decides it),
    and nothing more."""
    hours = sorted(windows)

    def own(i: int) -> Window:
        return hours[i]

    def grace_range(i: int) -> Window:
        return hours[i][1], hours[i][1] + grace

    def overlap(a: Window, b: Window) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    touched = {i for i, w in enumerate(hours) if any(touches(w, s, grace) for s in spans)}
    # A touched hour's own pick and grace pick may change; then the grace pick of an hour
    # whose ``R`` overlaps that hour's window, and so on through overlapping ``R``s.
    keep = set(touched) | {j for j in range(len(hours)) for i in touched if overlap(grace_range(j), own(i))}
    keep |= {i for i, w in enumerate(hours) if w[0] not in settled and any(touches(w, s, grace) for s in duty)}
    todo = list(keep)
    while todo:
        i = todo.pop()
        for j in range(len(hours)):
            if j not in keep and overlap(grace_range(j), grace_range(i)):
                keep.add(j)
                todo.append(j)
    if not keep:
        return [], set()
    lo, hi = min(keep), max(keep)
    while lo > 0 and overlap(grace_range(lo - 1), grace_range(lo)):
        lo -= 1  # an earlier hour's grace pick comes before this one's
    while hi + 1 < len(hours) and overlap(own(hi + 1), grace_range(max(keep))):
        hi += 1  # a later hour's own pick comes before the last kept hour's grace pick
    return hours[lo:hi + 1], {hours[i][0] for i in keep}


#: ``(start, end, k)``: the first ``k`` patrols of ``[start, end)`` by ``(happened_at, id)``.
Slice = tuple[datetime, datetime, int]


def patrol_slices(context: Sequence[Window], grace: timedelta) -> list[Slice]:
    """The patrols judging the ``context`` hours needs: cut at every edge of a window
    ``W``, of its part after the grace period, and of its grace range ``R``, each piece
    needs only its first ``k`` patrols, ``k`` the picks that can land in it (one per
    window holding it, one per ``R`` holding it). Why: every pick takes the earliest
    unused patrol of its range (``judge_hours``), so what one piece gave is always its
    first patrols, never more than ``k`` of them (R-SEC-5). A push's few hours then read
    a few patrols, however many the hours hold."""
    edges = sorted({t for s, e in context for t in (s, min(s + grace, e), e, e + grace)})
    out = []
    for a, b in zip(edges, edges[1:]):
        k = sum((s <= a and b <= e) + (e <= a and b <= e + grace) for s, e in context)
        if k:
            out.append((a, b, k))
    return out


def scope(branch_id: uuid.UUID, focus: Focus, families: Collection[str], family_rules: dict[str, Sequence[str]],
          days: Collection[date], hour_starts: Collection[datetime] | None, case_ids: Collection[str]) -> Any:
    """The SQL condition on ``obligation`` of exactly what a focused evaluation judges:
    per family its rules on its ``days`` (judged days only); R-SEC-5 only the hours of
    ``hour_starts`` when the focus has spans; the deadlines only of ``case_ids`` (the
    cases it loaded). A stored obligation outside it is left as it is, and counts for a
    day's repeated misses as stored."""
    conds = []
    for fam in families:
        if fam == "cases":
            if case_ids:
                conds.append(Obligation.rule.in_(CC.RULES) & (Obligation.subject_kind == "complaint")
                             & Obligation.subject_id.in_(sorted(case_ids)))
            continue
        judged_days = sorted(d for d in focus.days.get(fam, ()) if d in days)
        if not judged_days:
            continue
        if fam == "patrol" and hour_starts is not None:
            if hour_starts:
                conds.append((Obligation.rule == RC.PATROL) & Obligation.window_start.in_(sorted(hour_starts)))
            continue
        conds.append(Obligation.rule.in_(list(family_rules[fam])) & Obligation.business_date.in_(judged_days))
    if not conds:
        return (Obligation.branch_id == branch_id) & false()
    return (Obligation.branch_id == branch_id) & or_(*conds)


def patrol_plan(branch: Any, focus: Focus, days: Sequence[date], cal: Any, now: datetime
                ) -> dict[date, tuple[list[Window], set[datetime]]] | None:
    """Per judged R-SEC-5 day: the hours to judge and to keep (:func:`patrol_hours`);
    ``None`` when the focus judges every hour of its days (no spans)."""
    from ..rules import patrol_compliance as PC
    from .compliance_field import guarded_windows
    from .compliance_window import hours_keys

    if focus.spans is None or "patrol" not in focus.days:
        return None
    grace = PC.grace(branch.settings)
    judged = [d for d in days if d in focus.days["patrol"]]
    settled = _settled_hours(branch.id, judged, now) if focus.duty and judged else set()
    plan = {}
    for day in judged:
        guarded_key, _business, _unknown = hours_keys(branch, day, cal)
        windows = guarded_windows(branch, day, guarded_key) if guarded_key is not None else []
        plan[day] = patrol_hours(windows, focus.spans, grace, focus.duty, settled)
    return plan


def _settled_hours(branch_id: uuid.UUID, days: Sequence[date], now: datetime) -> set[datetime]:
    """The starts of the branch's stored R-SEC-5 hours on ``days`` that nobody's shift
    can change: proved by a patrol (the evidence a whole-day evaluation picks from the
    same patrols, each patrol's own push having re-judged its hours), or ``pending``
    before their due time (``rules.compliance.absent`` asks no device then)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..rules import patrol_compliance as PC

    rows = db.session.execute(select(Obligation.window_start, Obligation.verdict, Obligation.due_at).where(
        Obligation.branch_id == branch_id, Obligation.rule == RC.PATROL, Obligation.business_date.in_(list(days))))
    return {r.window_start for r in rows
            if r.verdict in PC.MET_STATUSES or (r.verdict == RC.PENDING and r.due_at is not None and r.due_at > now)}


def ranges(branch: Any, focus: Focus, days: Sequence[date],
           plan: dict[date, tuple[list[Window], set[datetime]]] | None
           ) -> tuple[datetime, datetime, list[Slice] | None]:
    """``(lo, hi, patrols)``: the span of time whose shifts and roster a focused evaluation
    reads (R-SEC-2's days; the on-duty hours of R-SEC-5's judged hours), and the patrols
    it reads (:func:`patrol_slices` of each day's hours; ``None``: all of ``[lo, hi)``)."""
    from ..rules import patrol_compliance as PC
    from .compliance_window import local_midnight

    def whole(ds: Collection[date]) -> Window:
        return (local_midnight(branch, min(ds)) - _HOUR,
                local_midnight(branch, max(ds) + timedelta(days=1)) + 2 * _HOUR)

    spans: list[Window] = []
    for fam in ("staffing", "rounds"):
        judged = [d for d in focus.days.get(fam, ()) if d in days]
        if judged:
            spans.append(whole(judged))
    patrols: list[Slice] | None = None
    if plan is not None:
        grace = PC.grace(branch.settings)
        patrols = [piece for context, _keep in plan.values() for piece in patrol_slices(context, grace)]
        hours = [w for context, _keep in plan.values() for w in context]
        if hours:  # who was on duty (``touches``)
            spans.append((min(s for s, _ in hours) - _HOUR, max(e for _, e in hours) + grace + _HOUR))
    elif "patrol" in focus.days:
        judged = [d for d in focus.days["patrol"] if d in days]
        if judged:
            spans.append(whole(judged))
    if not spans:
        spans.append(whole(days))
    return min(s for s, _ in spans), max(e for _, e in spans), patrols


#: ``(happened_at, families, records)``: one mutation of a push, when it happened, the
#: families its mutator's records can change (``None``: every family) and the records
#: its service returned as ``[(entity, obj)]``.
Touched = tuple[datetime, "Collection[str] | None", Sequence[tuple[str, Any]]]
_DAY = timedelta(days=1)


def of_records(branch: Any, items: Sequence[Touched], now: datetime, families: Collection[str]) -> Focus:
    """The focus of a push's records in ``branch`` (``families``: every family there is).

    * a patrol: the R-SEC-5 hours that may claim it (and the hour whose grace pick it
      can move), on its day and the day before;
    * a shift on the guards' post (``compliance_field.SECURITY_POST``): the hours from
      the record's time until ``now`` (who is on duty there changed, R-SEC-5), and R-SEC-2
      on the days around the shift's start (the plan it staffs) and the record's day;
      a shift on another post changes no patrol hour;
    * a box session or entry: its business date's R-BOX-1..3 and R-CMP-10 (R-BOX-1..3);
    * a complaint case (a box entry's too, R-BOX-4): that case's deadlines, recounted on
      its intake day (R-CMP-*);
    * anything else a family touches: that family on the record's day and the day before
      (and, for the box, the business dates of the box records this transaction holds)."""
    from .compliance_field import SECURITY_POST
    from .compliance_window import local_date, local_midnight
    from ..rules import patrol_compliance as PC

    grace = PC.grace(branch.settings)
    focus = Focus()
    spans: list[Window] | None = []
    cases: set[uuid.UUID] | None = set()
    since: list[date] = []

    def add(fam: str, ds: Collection[date]) -> None:
        focus.days.setdefault(fam, set()).update(ds)

    def span_days(a: datetime, b: datetime) -> list[date]:
        first, last = local_date(branch, a - grace), local_date(branch, b + _HOUR)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    for happened, touched, records in items:
        near = {local_date(branch, happened) - _DAY, local_date(branch, happened)}
        kinds = {entity for entity, _ in records}
        for fam in (families if touched is None else touched):
            if fam == "patrol" and spans is not None and kinds & {"patrol", "shift"}:
                for entity, obj in records:
                    if entity == "patrol":
                        spans.append((obj.happened_at, obj.happened_at))
                        add(fam, span_days(obj.happened_at, obj.happened_at))
                    elif entity == "shift" and obj.post == SECURITY_POST:
                        focus.duty.append((min(happened, now), max(happened, now)))
                        add(fam, span_days(*focus.duty[-1]))
            elif fam == "patrol":
                spans = None  # a record whose hours are not known: every hour of its days
                add(fam, near)
            elif fam == "staffing":
                add(fam, near | {local_date(branch, obj.happened_at) + i * _DAY for entity, obj in records
                                 if entity == "shift" for i in (-1, 0, 1)})
            elif fam == "box":
                dated = {obj.business_date for _e, obj in records if getattr(obj, "business_date", None)}
                add(fam, dated or near | business_dates(branch.id))
            elif fam == "cases" and cases is not None and "complaint" in kinds:
                since.extend(near)
            elif fam == "cases":
                cases = None  # every case the engine would judge
                since.extend(near)
                add(fam, near)
            else:
                add(fam, near)
        for entity, obj in records:  # a case a record opened or changed (a box entry's too, R-BOX-4)
            if entity == "complaint" and cases is not None:
                cases.add(obj.id)
                add("cases", {local_date(branch, obj.happened_at)})
                since.extend(near)
    focus.spans, focus.cases = spans, cases
    if since:
        focus.cases_since = local_midnight(branch, min(since)) - _HOUR
    return focus


def business_dates(branch_id: uuid.UUID) -> set[date]:
    """The business dates of the branch's box and filing records this transaction holds:
    a box opened (or an entry answered) for an earlier business date re-judges that day,
    however long ago it was settled (R-BOX-1..3, R-CMP-10)."""
    from ..extensions import db
    from ..models.complaint import StatisticsFiling
    from ..models.suggestion import BoxEntry, BoxSession

    return {o.business_date for o in list(db.session.identity_map.values())
            if isinstance(o, (BoxSession, BoxEntry, StatisticsFiling)) and o.branch_id == branch_id}
