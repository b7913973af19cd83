"""Shift start and end (R-SEC-2), run by the ``shift.*`` mutators inside a push."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, union_all
from sqlalchemy.orm import Session

from sync import Batch, Principal, TimeAttribution

from ..models.org import Branch, Staff
from ..models.shift import Shift
from ..rules import roles as R
from ..rules import shift as rules
from .contractor import registration_refusal
from .listing import page, person
from .mutation import Affected, branch_of, ensure_new, found, held, reject


def span(shift: Shift) -> rules.ShiftSpan:
    """The rules' view of a shift row."""
    return rules.ShiftSpan(shift.id, shift.staff_id, shift.post, shift.happened_at, shift.ended_at)


def start_shift(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *,
                batch: Batch | None = None) -> Affected:
    """Start ``args["shift_id"]`` on ``args["post"]`` at the mutation's ``happened_at`` (R-SEC-2).

    Rejects ``unknown_post``, ``post_not_for_role``, ``shift_overlap`` (the person has a
    shift open or covering that instant), ``duplicate_record_id``; an ``onsite`` person
    also needs a valid registered badge (``badge_*`` codes, R-SEC-8). Records the gap
    since the post was last covered (``gap_minutes``, ``post_gap``). ``batch``: the
    optimistic run's (:func:`~server.services.mutation.ensure_new`).
    """
    branch = branch_of(session, who)
    ensure_new(session, Shift, args["shift_id"], "shift_id", batch=batch)
    start = times.happened_at
    refusal = rules.post_refusal(branch.settings, args["post"], who.role)
    if refusal:
        reject(refusal, f"A {who.role} cannot start a shift on post {args['post']!r}.", rule="R-SEC-2", field="post")
    if who.role == R.ONSITE:
        code = registration_refusal(session, branch, who.staff_id, start)
        if code:
            reject(code, "No valid registered badge for this on-site account.", rule="R-SEC-8")
    _serialise_starts(session, who.staff_id)
    mine = shifts_of(session, who.staff_id)
    clash = rules.overlapping([span(s) for s in mine.candidates(start)], start)
    if clash is not None:
        reject("shift_overlap", f"Shift {clash.id} of the same person is still running at that time.",
               rule="R-SEC-2", field="shift_id")
    previous = _previous_on_post(session, branch.id, args["post"], start)
    gap = rules.post_gap_minutes(span(previous) if previous else None, start, branch.settings)
    shift = Shift(
        id=args["shift_id"], branch_id=branch.id, staff_id=who.staff_id, post=args["post"],
        previous_shift_id=previous.id if previous else None, gap_minutes=gap,
        post_gap=rules.is_post_gap(gap, branch.settings),
    )
    shift.stamp(times)
    session.add(shift)
    mine.started(shift)
    return [("shift", shift)]


def _serialise_starts(session: Session, staff_id: uuid.UUID) -> None:
    """Serialise shift starts of one person (two devices) on PostgreSQL by locking the
    person's row; SQLite writes are serial. The lock lasts until the transaction ends,
    unless the savepoint that took it rolls back (PostgreSQL releases it then): so it is
    taken once per savepoint (:func:`held`), and the shift starts of one optimistic run
    lock once (#17)."""
    def lock() -> None:
        session.execute(select(Staff.id).where(Staff.id == staff_id).with_for_update())
        shifts_of(session, staff_id).forget()  # read before the lock, it may miss a start committed since

    held(session, ("person locked", staff_id), lock, savepoint=True)


#: A post's shifts by their end (``ix_shift_branch_post_ended``), built once: the latest
#: started open one, those ended since an instant, the last ended before it. One ``OR``
#: over ``ix_shift_branch_post_started`` walked the post's whole history when nobody
#: covered it, and the last-ended one sorted that history (#17).
_ON_POST = (Shift.branch_id == bindparam("branch_id"), Shift.post == bindparam("post"))
_OPEN_ON_POST = (select(Shift).where(*_ON_POST, Shift.ended_at.is_(None), Shift.happened_at <= bindparam("at"))
                 .order_by(Shift.happened_at.desc()).limit(1))
_ENDED_ON_POST_SINCE = select(Shift).where(*_ON_POST, Shift.ended_at >= bindparam("at"))
_LAST_ENDED_ON_POST = (select(Shift).where(*_ON_POST, Shift.ended_at < bindparam("at"))
                       .order_by(Shift.ended_at.desc()).limit(1))


def _previous_on_post(session: Session, branch_id: uuid.UUID, post: str, start: datetime) -> Shift | None:
    """The shift covering the post at ``start`` (the latest started by then, open or
    ending at or after it) if any, else the last one to end before it (it started
    before it too: no shift ends before its start)."""
    binds = {"branch_id": branch_id, "post": post, "at": start}
    covering = [*session.scalars(_OPEN_ON_POST, binds),
                *(s for s in session.scalars(_ENDED_ON_POST_SINCE, binds) if s.happened_at <= start)]
    if covering:
        return max(covering, key=lambda s: s.happened_at)
    return session.scalars(_LAST_ENDED_ON_POST, binds).first()


def own_shift(session: Session, who: Principal, shift_id: uuid.UUID) -> Shift:
    """The actor's shift ``shift_id``: ``shift_not_found`` (unknown or another branch's),
    ``not_shift_owner`` (someone else's)."""
    shift = found(session, Shift, shift_id)
    if shift is None or shift.branch_id != who.branch_id:
        reject("shift_not_found", f"No shift {shift_id} in this branch.", rule="R-SEC-2", field="shift_id")
    if shift.staff_id != who.staff_id:
        reject("not_shift_owner", "Only the person on the shift can end or hand it over.", rule="R-SEC-2", field="shift_id")
    return shift


def end_shift(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """End the actor's own shift at the mutation's ``happened_at`` (R-SEC-2).

    Rejects ``shift_not_found``, ``not_shift_owner``, ``shift_already_ended`` and
    ``shift_end_before_start``.
    """
    shift = own_shift(session, who, args["shift_id"])
    if shift.ended_at is not None:
        reject("shift_already_ended", f"Shift {shift.id} already ended.", rule="R-SEC-2", field="shift_id")
    if times.happened_at < shift.happened_at:
        reject("shift_end_before_start", "A shift cannot end before it started.", rule="R-SEC-2")
    shift.ended_at = times.happened_at
    shift.end_device_at = times.device_at
    shift.end_received_at = times.received_at
    shift.end_clock_suspect = times.clock_suspect
    return [("shift", shift)]


def shift_at(session: Session, staff_id: uuid.UUID, at: datetime) -> Shift | None:
    """The person's shift running at ``at`` (latest started), if any: patrol, cleaning,
    handover and every feature ask this. ``rules.is_on_shift`` decides (half-open
    ``[start, end)``); the query only narrows to the shifts that could qualify."""
    return _running(_candidates(session, staff_id, at, at), at)


#: A person's shifts that could run in ``[lo, hi]``: two ranges of ``ix_shift_staff_ended``,
#: the open shifts started by ``hi`` and those ended after ``lo`` (an end at ``lo`` belongs to
#: the next shift, ``rules.is_on_shift``). Built once: every patrol, cleaning round and
#: shift start asks it, and the construct costs more than the query.
_RUNNING = select(Shift).from_statement(union_all(
    select(Shift).where(Shift.staff_id == bindparam("staff_id"), Shift.ended_at.is_(None),
                        Shift.happened_at <= bindparam("hi")),
    select(Shift).where(Shift.staff_id == bindparam("staff_id"), Shift.ended_at > bindparam("lo"))))


def _candidates(session: Session, staff_id: uuid.UUID, lo: datetime, hi: datetime) -> list[Shift]:
    """The person's shifts that could run at some instant of ``[lo, hi]``, latest started
    first (:data:`_RUNNING`; the few ended after ``lo`` but started after ``hi`` are
    dropped here: with that bound in the statement, SQLite walked ``ix_shift_staff_started``
    instead). One condition with ``OR`` walked every earlier shift of the person in
    ``ix_shift_staff_started``, bounded from above only: a guard's thousandth shift read
    the 999 before it (#17)."""
    shifts = [s for s in session.scalars(_RUNNING, {"staff_id": staff_id, "lo": lo, "hi": hi}) if s.happened_at <= hi]
    return sorted(shifts, key=lambda s: s.happened_at, reverse=True)


def _running(candidates: list[Shift], at: datetime) -> Shift | None:
    return next((s for s in candidates if s.happened_at <= at and rules.is_on_shift(span(s), at)), None)


class ShiftsOf:
    """:func:`shift_at` for one person over a push: one read of the shifts that could run
    within a day of the first instant asked (a push spans minutes), read again only for
    an instant outside that window. Exact: for any instant of the window the read holds
    every candidate :func:`shift_at` would, also after the push's own shift starts and
    ends: a shift ended changes the very row object held here (the identity map's), and a
    shift started joins through :meth:`started`. Held per savepoint (:func:`shifts_of`)."""

    WINDOW = timedelta(days=1)

    def __init__(self, session: Session, staff_id: uuid.UUID) -> None:
        self.session, self.staff_id = session, staff_id
        self.lo: datetime | None = None
        self.hi: datetime | None = None
        self.shifts: list[Shift] = []

    def _cover(self, at: datetime) -> None:
        if self.lo is None or self.hi is None or not self.lo <= at <= self.hi:
            self.lo, self.hi = at - self.WINDOW, at + self.WINDOW
            self.shifts = _candidates(self.session, self.staff_id, self.lo, self.hi)

    def at(self, at: datetime) -> Shift | None:
        """The person's shift running at ``at``, as :func:`shift_at` answers it."""
        self._cover(at)
        return _running(self.shifts, at)

    def candidates(self, at: datetime) -> list[Shift]:
        """The person's shifts that could run at ``at``, latest started first, as
        :func:`_candidates` reads them for ``[at, at]``."""
        self._cover(at)
        return [s for s in self.shifts if s.happened_at <= at and (s.ended_at is None or s.ended_at > at)]

    def started(self, shift: Shift) -> None:
        """Take in a shift of the person just started (an open shift is a candidate of
        every instant from its start on)."""
        if self.hi is not None and shift.happened_at <= self.hi:
            self.shifts = sorted([*self.shifts, shift], key=lambda s: s.happened_at, reverse=True)

    def forget(self) -> None:
        """Read again at the next question."""
        self.lo = self.hi = None


def shifts_of(session: Session, staff_id: uuid.UUID) -> ShiftsOf:
    """The person's :class:`ShiftsOf` of the savepoint (:func:`~.mutation.held`): the
    patrols, cleaning rounds and shift starts of one optimistic run read the person's
    shifts once (#17), and a rollback to the savepoint, which undoes the run's starts and
    ends, leaves the careful replay to read them again."""
    return held(session, ("shifts of", staff_id), lambda: ShiftsOf(session, staff_id), savepoint=True)


def branch_member(session: Session, branch: Branch, staff_id: uuid.UUID) -> Staff | None:
    """An active staff member of ``branch``, or ``None``."""
    staff = session.get(Staff, staff_id)
    return staff if staff is not None and staff.active and staff.branch_id == branch.id else None

def list_shifts(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int, post: str | None = None,
           staff_id: Any = None, open: bool | None = None, **_: Any) -> dict[str, Any]:
    """Shifts that ran during ``[start, end)`` (R-SEC-2), by start."""
    q = (select(Shift, Staff).join(Staff, Staff.id == Shift.staff_id)
         .where(Shift.branch_id == branch.id, Shift.happened_at < end,
                or_(Shift.ended_at.is_(None), Shift.ended_at >= start)))
    if post:
        q = q.where(Shift.post == post)
    if staff_id:
        q = q.where(Shift.staff_id == staff_id)
    if open is not None:
        q = q.where(Shift.ended_at.is_(None) if open else Shift.ended_at.is_not(None))
    q = q.order_by(Shift.happened_at, Shift.id)
    return page(q, limit, offset, lambda r: r.Shift.to_dict() | {"staff": person(r.Staff)})
