"""Compliance verdicts: which obligations a branch's day holds and how each is judged (#14).

Pure: plain values in (windows, records with their ``happened_at``/``received_at``, the
devices' watermarks, ``now``, the branch's settings), verdicts out. No Flask, no database.

Every verdict follows one ladder (sync-protocol "Compliance, as seen from outside"):

* evidence done in time: ``met`` when it reached the server by the due time, else
  ``met_synced_late`` (late sync is not late work);
* evidence done after the due time (where the rule allows it): ``late``;
* no evidence before the due time: ``pending``;
* no evidence after it: ``unconfirmed`` while some device of someone on duty has not
  synced past the due time (:func:`judge_absent`), else ``missed``.

A supervisor's excuse shows ``excused`` over any verdict (:func:`shown_status`).
Rules: R-SEC-5 (:func:`patrol_verdicts`, with the existing hour matcher of
``rules.patrol_compliance``), R-SEC-2 (:func:`staffing_verdicts`, :func:`handover_verdicts`),
R-OPS-1 (:func:`floor_round_verdicts`), R-BOX-1..3 (:func:`box_open_verdict`,
:func:`box_entry_verdicts`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import patrol_compliance as PC

PENDING, MET, MET_SYNCED_LATE, LATE = "pending", "met", "met_synced_late", "late"
UNCONFIRMED, MISSED, EXCUSED = "unconfirmed", "missed", "excused"
#: A deadline the calendar cannot compute yet (a year nobody loaded): its own visible
#: state, never a guess; it becomes one of the others once the year is loaded (#13).
DEADLINE_UNKNOWN = "deadline_unknown"
STATUSES = (PENDING, MET, MET_SYNCED_LATE, LATE, UNCONFIRMED, MISSED, EXCUSED, DEADLINE_UNKNOWN)
#: Statuses no later evaluation changes by itself (only a late record or an excuse can).
SETTLED = frozenset({MET, MET_SYNCED_LATE, LATE, MISSED, EXCUSED})
#: Statuses that count as done.
DONE = frozenset({MET, MET_SYNCED_LATE, LATE})

PATROL, STAFFING, FLOOR = "R-SEC-5", "R-SEC-2", "R-OPS-1"
BOX_OPEN, BOX_REPLY, BOX_CALLBACK = "R-BOX-1", "R-BOX-2", "R-BOX-3"
#: Bumped when a rule's judgement changes meaning; stored on each obligation it judged.
RULE_VERSIONS: dict[str, int] = {PATROL: 2, STAFFING: 1, FLOOR: 1, BOX_OPEN: 1, BOX_REPLY: 1, BOX_CALLBACK: 1,
                                 # complaint deadlines (rules/complaint_compliance.py)
                                 "R-CMP-5": 1, "R-CMP-6": 1, "R-CMP-2": 1, "R-CMP-REG": 1, "R-CMP-10": 1}

#: A record that may prove an obligation: its id and times (the patrol rule's own shape,
#: so R-SEC-5 judges the engine's records as they are).
Record = PC.PatrolTimes


@dataclass(frozen=True)
class Verdict:
    """One obligation as a rule judged it."""

    rule: str
    subject_kind: str
    subject_id: str
    business_date: date
    window_start: datetime
    window_end: datetime | None  # None only for a deadline_unknown obligation
    due_at: datetime | None
    status: str
    evidence: tuple[str, ...] = ()
    clock_suspect: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return RULE_VERSIONS[self.rule]


#: ``watermark(due) -> (complete_until, devices)``: the earliest time up to which every
#: device of the people on duty has synced (``None``: nobody's device is known) and each
#: device's watermark, for the obligation's detail.
Watermark = Callable[[datetime], tuple[datetime | None, list[dict[str, Any]]]]


def judge_done(record: Record, due: datetime, *, late_allowed: bool = False) -> str:
    """Evidence done by ``due``: ``met`` when it reached the server by then, else
    ``met_synced_late``. With ``late_allowed`` (rules whose evidence can come after the
    window), evidence done after ``due`` is ``late``."""
    if late_allowed and record.happened_at > due:
        return LATE
    return MET if record.received_at <= due else MET_SYNCED_LATE


def judge_absent(now: datetime, due: datetime, complete_until: datetime | None) -> str:
    """No evidence: ``pending`` before ``due``; after it ``unconfirmed`` while some device
    on duty has not synced *past* ``due`` (``complete_until <= due``), else ``missed``.
    ``complete_until`` ``None`` means no device on duty is known: nothing can still come."""
    if now < due:
        return PENDING
    if complete_until is not None and complete_until <= due:
        return UNCONFIRMED
    return MISSED


def shown_status(verdict: str, excuse_action: str | None) -> str:
    """What an obligation shows: ``excused`` while its latest excuse record excuses it."""
    return EXCUSED if excuse_action == "excuse" else verdict


def absent(now: datetime, due: datetime, watermark: Watermark) -> tuple[str, dict[str, Any]]:
    """No evidence: the status by :func:`judge_absent` and, past ``due``, the devices on
    duty with their watermarks (the obligation's ``detail``)."""
    if now < due:
        return PENDING, {}
    complete, devices = watermark(due)
    status = judge_absent(now, due, complete)
    return status, ({"devices": devices} if devices else {})


# ---------------------------------------------------------------- R-SEC-5 patrols


@dataclass(frozen=True)
class PatrolDay:
    """A day of R-SEC-5: the hour verdicts plus coverage and the longest unwatched stretch."""

    verdicts: list[Verdict]
    hours: int
    hours_met: int
    longest_unwatched: tuple[datetime, datetime] | None

    @property
    def coverage(self) -> float | None:
        """Share of the day's guarded hours with a patrol (``None`` without guarded hours)."""
        return None if self.hours == 0 else self.hours_met / self.hours

    @property
    def longest_unwatched_minutes(self) -> int:
        if self.longest_unwatched is None:
            return 0
        start, end = self.longest_unwatched
        return int((end - start).total_seconds() // 60)


def patrol_verdicts(
    day: date,
    windows: Sequence[tuple[datetime, datetime]],
    patrols: Iterable[Record],
    now: datetime,
    settings: Mapping[str, Any] | None,
    watermark: Watermark,
    *,
    area: str = "self_service",
) -> PatrolDay:
    """R-SEC-5 for one local ``day``: one obligation per guarded clock hour (``windows``).

    Evidence is matched by ``rules.patrol_compliance.judge_hours`` (by ``happened_at``,
    one patrol proves one hour, the grace period per branch); an hour without a patrol
    past its due time is ``unconfirmed`` or ``missed`` by the devices of the guards on
    duty in that hour (``watermark``).
    """
    patrols = list(patrols)
    verdicts: list[Verdict] = []
    for hour in PC.judge_hours(windows, patrols, now, settings):
        if hour.is_met:
            status, detail = hour.status, {}
        else:
            status, detail = absent(now, hour.due_at, watermark)
        verdicts.append(
            Verdict(PATROL, "area", area, day, hour.window_start, hour.window_end, hour.due_at, status,
                    hour.evidence, hour.clock_suspect, detail)
        )
    met = sum(1 for v in verdicts if v.status in DONE)
    return PatrolDay(verdicts, len(verdicts), met, longest_unwatched(windows, [p.happened_at for p in patrols], now))


def longest_unwatched(
    windows: Sequence[tuple[datetime, datetime]], seen: Iterable[datetime], now: datetime
) -> tuple[datetime, datetime] | None:
    """The longest stretch of guarded time (the ``windows`` merged, cut at ``now``) with
    no patrol: from a stretch's start, or a patrol, to the next patrol or the stretch's end.
    ``None`` when no guarded time has passed."""
    stretches: list[list[datetime]] = []
    for start, end in sorted(windows):
        if stretches and stretches[-1][1] >= start:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end])
    marks = sorted(seen)
    best: tuple[datetime, datetime] | None = None
    for start, end in stretches:
        end = min(end, now)
        if end <= start:
            continue
        points = [start, *[m for m in marks if start < m < end], end]
        for a, b in zip(points, points[1:]):
            if best is None or b - a > best[1] - best[0]:
                best = (a, b)
    return best


# ---------------------------------------------------------------- R-SEC-2 shifts


@dataclass(frozen=True)
class Plan:
    """A roster entry: ``post`` staffed from ``starts_at`` to ``ends_at`` (by ``staff_id``)."""

    id: str
    post: str
    starts_at: datetime
    ends_at: datetime
    staff_id: str | None = None


@dataclass(frozen=True)
class ShiftRecord:
    """A shift as compliance sees it: its start's times, its end, its handover."""

    id: str
    staff_id: str
    post: str
    started_at: datetime
    received_at: datetime
    ended_at: datetime | None = None
    clock_suspect: bool = False
    handover: Record | None = None
    end_received_at: datetime | None = None


def match_roster(
    plans: Iterable[Plan], shifts: Iterable[ShiftRecord], grace: timedelta, early: timedelta
) -> dict[str, ShiftRecord | None]:
    """Which shift staffed each planned shift (R-SEC-2): one on the same post begun between
    ``starts_at - early`` and ``starts_at + grace``; each shift staffs one plan, the named
    person's own shift first, then anyone's on the post (a stand-in still staffs it)."""
    free = sorted(shifts, key=lambda s: (s.started_at, s.id))
    ordered = sorted(plans, key=lambda p: (p.starts_at, p.post, p.id))
    found: dict[str, ShiftRecord | None] = {}

    def take(plan: Plan, own_only: bool) -> ShiftRecord | None:
        for shift in free:
            fits = shift.post == plan.post and plan.starts_at - early <= shift.started_at <= plan.starts_at + grace
            if fits and (not own_only or shift.staff_id == plan.staff_id):
                free.remove(shift)
                return shift
        return None

    for plan in ordered:  # an unnamed plan matches no one's own shift
        found[plan.id] = take(plan, True)
    for plan in ordered:
        if found[plan.id] is None:
            found[plan.id] = take(plan, False)
    return found


def staffing_verdicts(
    day: date,
    plans: Iterable[Plan],
    matched: Mapping[str, ShiftRecord | None],
    now: datetime,
    grace: timedelta,
    watermark_of: Callable[[Plan], Watermark],
) -> list[Verdict]:
    """R-SEC-2 "unstaffed post": one obligation per planned shift, due ``grace`` after its
    start, met by the shift that staffed it (:func:`match_roster`)."""
    out = []
    for plan in plans:
        due = plan.starts_at + grace
        shift = matched.get(plan.id)
        rec = None if shift is None else Record(shift.id, shift.started_at, shift.received_at, shift.clock_suspect)
        if rec is not None:  # a matched shift began by the due time: never late
            status, evidence, detail = judge_done(rec, due, late_allowed=True), (rec.id,), {}
        else:
            status, detail = absent(now, due, watermark_of(plan))
            evidence = ()
        out.append(Verdict(STAFFING, "roster_shift", plan.id, day, plan.starts_at, plan.ends_at, due, status,
                           evidence, rec.clock_suspect if rec else False, {"post": plan.post, **detail}))
    return out


def handover_verdicts(
    day: date,
    plans: Iterable[Plan],
    matched: Mapping[str, ShiftRecord | None],
    now: datetime,
    grace: timedelta,
    watermark_of: Callable[[ShiftRecord], Watermark],
) -> list[Verdict]:
    """R-SEC-2 "overrun without handover": for each staffed planned shift, the shift ends
    or is handed over by ``grace`` after the plan's end.

    A handover done by then meets it (``met``/``met_synced_late`` by when it arrived), as
    does an end by then (the day's last shift hands to nobody); a handover or end after
    it is ``late``; neither yet: ``pending``, then ``unconfirmed``/``missed`` by the
    holder's devices (their end may still be on the phone).
    """
    out = []
    for plan in plans:
        shift = matched.get(plan.id)
        if shift is None:
            continue
        due = plan.ends_at + grace
        proof = shift.handover
        if proof is None and shift.ended_at is not None:
            proof = Record(shift.id, shift.ended_at, shift.end_received_at or shift.received_at, shift.clock_suspect)
        if proof is not None:
            status, evidence, detail = judge_done(proof, due, late_allowed=True), (proof.id,), {}
        else:
            status, detail = absent(now, due, watermark_of(shift))
            evidence = ()
        out.append(Verdict(STAFFING, "shift", shift.id, day, plan.starts_at, plan.ends_at, due, status, evidence,
                           proof.clock_suspect if proof else False, {"post": plan.post, "handover": True, **detail}))
    return out


# ---------------------------------------------------------------- R-OPS-1 floor rounds


def floor_round_verdicts(
    day: date,
    slots: Mapping[str, datetime],
    rounds: Mapping[str, Record],
    now: datetime,
    tolerance: timedelta,
    watermark: Watermark,
) -> list[Verdict]:
    """R-OPS-1: one obligation per floor-round slot of a business day (``slots``: slot id
    → its local time as aware UTC), window ``slot ± tolerance``, due at its end; a round
    done after that is ``late``. ``rounds``: the day's round per slot."""
    out = []
    for slot, at in sorted(slots.items(), key=lambda kv: kv[1]):
        start, due = at - tolerance, at + tolerance
        rec = rounds.get(slot)
        if rec is not None:
            status, evidence, detail = judge_done(rec, due, late_allowed=True), (rec.id,), {}
        else:
            status, detail = absent(now, due, watermark)
            evidence = ()
        out.append(Verdict(FLOOR, "floor_slot", slot, day, start, due, due, status, evidence,
                           rec.clock_suspect if rec else False, detail))
    return out


# ---------------------------------------------------------------- R-BOX-1..3 the suggestion box


@dataclass(frozen=True)
class BoxEntryRecord:
    """A box entry as compliance sees it: when it was recorded, whether the customer left
    a contact, its reply and its first callback attempt (any outcome is a call made)."""

    id: str
    happened_at: datetime
    has_contact: bool
    reply: Record | None = None
    first_callback: Record | None = None


def box_open_verdict(
    day: date, closes_at: datetime, due: datetime, session: Record | None, now: datetime, watermark: Watermark,
    *, branch_id: str,
) -> Verdict:
    """R-BOX-1: the box is opened after close of business on each business day, by the
    end of that day (``due``); opened later (for an earlier business date) it is ``late``."""
    if session is not None:
        status, evidence, detail = judge_done(session, due, late_allowed=True), (session.id,), {}
    else:
        status, detail = absent(now, due, watermark)
        evidence = ()
    return Verdict(BOX_OPEN, "branch", branch_id, day, closes_at, due, due, status, evidence,
                   session.clock_suspect if session else False, detail)


def box_entry_verdicts(
    day: date, entries: Iterable[BoxEntryRecord], due: datetime, now: datetime, watermark: Watermark
) -> list[Verdict]:
    """R-BOX-2 (a written reply for every entry of the day) and R-BOX-3 (a callback the
    same day for every entry with a contact): one obligation per entry and rule, window
    from the entry to the end of its day (``due``)."""
    out = []
    for entry in sorted(entries, key=lambda e: (e.happened_at, e.id)):
        wanted = [(BOX_REPLY, entry.reply)] + ([(BOX_CALLBACK, entry.first_callback)] if entry.has_contact else [])
        for rule, proof in wanted:
            if proof is not None:
                status, evidence, detail = judge_done(proof, due, late_allowed=True), (proof.id,), {}
            else:
                status, detail = absent(now, due, watermark)
                evidence = ()
            out.append(Verdict(rule, "box_entry", entry.id, day, entry.happened_at, due, due, status, evidence,
                               proof.clock_suspect if proof else False, detail))
    return out
