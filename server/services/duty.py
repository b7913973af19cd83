"""Who is on duty, their records, and up to when their devices are complete (#14).

The compliance engine's inputs, read set-based: one statement per kind of record over
every branch and the whole range (:func:`load`), grouped by branch in memory. "On duty"
for a window is everyone with a shift on the post overlapping it plus everyone the roster
names for it (a shift started offline has not arrived yet). A device has synced past T
when the server has a push or pull from it after T (sync-protocol "Compliance"): its
watermark is the later of its last push and pull.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import and_, or_, select, union_all

from ..extensions import db
from ..models.floor import FloorRound
from ..models.org import Staff
from ..models.patrol import Patrol
from ..models.shift import Handover, RosterShift, Shift
from ..rules import compliance as RC
from ..models.base import iso

SELF_SERVICE = "self_service"
UTC = timezone.utc


#: Every kind of input :func:`load` can read, besides the device watermarks it always reads.
KINDS = frozenset({"patrols", "shifts", "handovers", "plans", "rounds", "managers"})
#: The kinds of input each rule family (``compliance.FAMILIES``) reads, besides the device
#: watermarks every family reads: a push that re-judges some families loads only theirs
#: (#17). R-SEC-5 asks who was on duty (shifts and the roster); R-SEC-2 also the handover
#: that proves a shift's end; the lobby's families read their records in
#: ``compliance_lobby.load``.
NEEDS: dict[str, frozenset[str]] = {
    "patrol": frozenset({"patrols", "shifts", "plans"}),  # R-SEC-5
    "staffing": frozenset({"shifts", "handovers", "plans"}),  # R-SEC-2
    "rounds": frozenset({"rounds", "managers"}),  # R-OPS-1
    "box": frozenset(),  # R-BOX-1..3, R-CMP-10
    "cases": frozenset(),  # the complaint deadlines
}


@dataclass
class Inputs:
    """Everything one evaluation reads, grouped by branch."""

    patrols: dict[uuid.UUID, list[RC.Record]] = field(default_factory=lambda: defaultdict(list))
    shifts: dict[uuid.UUID, list[RC.ShiftRecord]] = field(default_factory=lambda: defaultdict(list))
    plans: dict[uuid.UUID, list[RC.Plan]] = field(default_factory=lambda: defaultdict(list))
    rounds: dict[tuple[uuid.UUID, date], dict[str, RC.Record]] = field(default_factory=lambda: defaultdict(dict))
    device_rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    managers: dict[uuid.UUID, list[str]] = field(default_factory=lambda: defaultdict(list))


def load(
    ids: Sequence[uuid.UUID], lo: datetime, hi: datetime, first: date, last: date,
    families: Iterable[str] | None = None, patrols_in: Sequence[tuple[datetime, datetime, int]] | None = None,
    fitting: tuple[timedelta, timedelta] | None = None,
) -> Inputs:
    """One statement per kind of input, over every branch and the whole range: the kinds
    the rule ``families`` read (:data:`NEEDS`; ``None``: all :data:`KINDS`), and the device
    watermarks. A kind no family asks for stays empty (a ``box`` re-judge reads no
    patrols); the families' verdicts equal those judged from a full load. ``patrols_in``:
    instead of every patrol of ``[lo, hi)``, the first ``k`` of each ``(start, end, k)``
    (``compliance_focus.patrol_slices``: a push's re-judge of a few hours, #17), in one
    statement. ``fitting`` ``(early, grace)``: only the shifts that could staff a plan
    read (begun on its post from ``early`` before its start to ``grace`` after it), all
    ``rules.compliance.match_roster`` ever matches: R-SEC-2 then reads a few shifts
    however many the days hold; who was on duty (R-SEC-5) is not known from them."""
    from ..sync_setup import engine

    kinds = KINDS if families is None else frozenset().union(*(NEEDS[f] for f in families))
    session = db.session
    inputs = Inputs()
    if "patrols" in kinds and (patrols_in is None or patrols_in):
        cols = (Patrol.id, Patrol.branch_id, Patrol.happened_at, Patrol.received_at, Patrol.clock_suspect)
        where = (Patrol.branch_id.in_(ids), Patrol.area == SELF_SERVICE)
        if patrols_in is None:
            q: Any = select(*cols).where(*where, Patrol.happened_at >= lo, Patrol.happened_at < hi)
        else:
            q = union_all(*(select(*cols).where(*where, Patrol.happened_at >= a, Patrol.happened_at < b)
                            .order_by(Patrol.happened_at, Patrol.id).limit(k).subquery().select()
                            for a, b, k in patrols_in))
        seen: set[Any] = set()
        for p in session.execute(q):
            if p.id not in seen:  # the pieces of two days may overlap
                seen.add(p.id)
                inputs.patrols[p.branch_id].append(RC.Record(str(p.id), p.happened_at, p.received_at, p.clock_suspect))
    if "plans" in kinds:
        for r in session.execute(
            select(RosterShift.id, RosterShift.branch_id, RosterShift.post, RosterShift.starts_at,
                   RosterShift.ends_at, RosterShift.staff_id)
            .where(RosterShift.branch_id.in_(ids), RosterShift.starts_at < hi, RosterShift.ends_at > lo)
        ):
            inputs.plans[r.branch_id].append(
                RC.Plan(str(r.id), r.post, r.starts_at, r.ends_at, str(r.staff_id) if r.staff_id else None))
    if "shifts" in kinds:
        _load_shifts(inputs, ids, lo, hi, "handovers" in kinds,
                     None if fitting is None else _fit_windows(inputs, fitting))
    if "rounds" in kinds:
        for f in session.execute(
            select(FloorRound.id, FloorRound.branch_id, FloorRound.business_date, FloorRound.slot,
                   FloorRound.happened_at, FloorRound.received_at, FloorRound.clock_suspect)
            .where(FloorRound.branch_id.in_(ids), FloorRound.business_date >= first, FloorRound.business_date <= last)
        ):
            inputs.rounds[(f.branch_id, f.business_date)][f.slot] = RC.Record(
                str(f.id), f.happened_at, f.received_at, f.clock_suspect)
    if "managers" in kinds:
        for staff_id, branch_id in session.execute(
            select(Staff.id, Staff.branch_id).where(Staff.branch_id.in_(ids), Staff.role == "operations_manager",
                                                    Staff.active.is_(True))
        ):
            inputs.managers[branch_id].append(str(staff_id))
    wanted = set(ids)
    for c in engine().clients(session, branch_id=ids[0] if len(ids) == 1 else None):
        if c["branch_id"] in wanted or c["branch_id"] is None:
            inputs.device_rows[str(c["staff_id"])].append(c)
    return inputs


def _fit_windows(inputs: Inputs, fitting: tuple[timedelta, timedelta]) -> list[tuple[str, datetime, datetime]]:
    """``(post, from, to)``: where a shift's start staffs one of the loaded plans."""
    early, grace = fitting
    return sorted({(p.post, p.starts_at - early, p.starts_at + grace) for plans in inputs.plans.values() for p in plans})


def _load_shifts(inputs: Inputs, ids: Sequence[uuid.UUID], lo: datetime, hi: datetime, handovers: bool,
                 fits: list[tuple[str, datetime, datetime]] | None = None) -> None:
    """The shifts overlapping ``[lo, hi)``, as plain columns (the ORM's objects cost a
    push's re-judge more than its reads); with ``handovers``, each one's handover (R-SEC-2's
    proof; R-SEC-5 asks only who was on duty); with ``fits``, only those begun on one of
    these posts in one of these spans."""
    if fits is not None and not fits:
        return
    cols = [Shift.id, Shift.branch_id, Shift.staff_id, Shift.post, Shift.happened_at, Shift.received_at,
            Shift.ended_at, Shift.clock_suspect, Shift.end_received_at]
    if handovers:
        cols += [Handover.id.label("h_id"), Handover.happened_at.label("h_happened_at"),
                 Handover.received_at.label("h_received_at"), Handover.clock_suspect.label("h_clock_suspect")]
    q = select(*cols).where(Shift.branch_id.in_(ids), Shift.happened_at < hi,
                            or_(Shift.ended_at.is_(None), Shift.ended_at >= lo))
    if fits:
        q = q.where(or_(*(and_(Shift.post == post, Shift.happened_at >= a, Shift.happened_at <= b)
                          for post, a, b in fits)))
    if handovers:
        q = q.outerjoin(Handover, Handover.shift_id == Shift.id)
    for s in db.session.execute(q):
        proof = (RC.Record(str(s.h_id), s.h_happened_at, s.h_received_at, s.h_clock_suspect)
                 if handovers and s.h_id is not None else None)
        inputs.shifts[s.branch_id].append(RC.ShiftRecord(
            str(s.id), str(s.staff_id), s.post, s.happened_at, s.received_at, s.ended_at,
            s.clock_suspect, proof, s.end_received_at))


def watermark(inputs: Inputs, staff_ids: Iterable[str]) -> RC.Watermark:
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
        "synced_until": iso(synced),  # the one wire spelling of a time (#11)
    }


def on_duty(inputs: Inputs, branch_id: uuid.UUID, post: str, start: datetime, end: datetime) -> set[str]:
    """Staff on ``post`` at some time in ``[start, end)``: by their shifts, and by the roster
    (a shift started offline has not arrived yet)."""
    staff = {s.staff_id for s in inputs.shifts.get(branch_id, ())
             if s.post == post and s.started_at < end and (s.ended_at is None or s.ended_at > start)}
    staff |= {p.staff_id for p in inputs.plans.get(branch_id, ())
              if p.staff_id and p.post == post and p.starts_at < end and p.ends_at > start}
    return staff
