"""Floor rounds and coaching (R-OPS-1, R-OPS-2), run by mutators inside a push."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import Principal, TimeAttribution

from ..models.floor import Coaching, FloorRound
from ..models.org import Branch, Staff
from ..rules import floor as rules
from ..rules.calendar import local_date
from .listing import page, person
from .mutation import Affected, branch_of, ensure_new, reject


def record_round(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Record one of the day's floor rounds with its findings (R-OPS-1).

    The business date is the branch-local day of ``happened_at``; the slot must be one of
    the branch's (``unknown_slot``) and is recorded once a day (``slot_already_recorded``).
    Also rejects ``duplicate_record_id``.
    """
    branch = branch_of(session, who)
    ensure_new(session, FloorRound, args["round_id"], "round_id")
    day = local_date(times.happened_at, branch.timezone)
    scheduled = rules.slot_time(branch.settings, args["slot"], day, branch.timezone)
    if scheduled is None:
        slots = ", ".join(sorted(rules.round_slots(branch.settings)))
        reject("unknown_slot", f"The branch's round slots are {slots}.", rule="R-OPS-1", field="slot")
    taken = session.scalar(
        select(FloorRound.id).where(FloorRound.branch_id == branch.id, FloorRound.business_date == day,
                                    FloorRound.slot == args["slot"])
    )
    if taken is not None:
        reject("slot_already_recorded", f"The {args['slot']} round of {day} is recorded ({taken}).",
               rule="R-OPS-1", field="slot")
    record = FloorRound(
        id=args["round_id"], branch_id=branch.id, staff_id=who.staff_id, business_date=day, slot=args["slot"],
        scheduled_at=scheduled, minutes_from_slot=rules.minutes_from_slot(scheduled, times.happened_at),
        findings=args["findings"], posts_checked=list(args.get("posts_checked") or []),
    )
    record.stamp(times)
    session.add(record)
    return [("floor_round", record)]


def record_coaching(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Record a coaching demonstration (R-OPS-2): ``scheduled`` (about 10:30) or
    ``problem_seen``. Rejects ``duplicate_record_id``."""
    branch = branch_of(session, who)
    ensure_new(session, Coaching, args["demo_id"], "demo_id")
    record = Coaching(
        id=args["demo_id"], branch_id=branch.id, staff_id=who.staff_id,
        business_date=local_date(times.happened_at, branch.timezone), topic=args["topic"],
        notes=args.get("notes") or "", trigger=args["trigger"],
    )
    record.stamp(times)
    session.add(record)
    return [("coaching", record)]

def list_rounds(branch: Branch, day: date, *, limit: int, offset: int, slot: str | None = None,
                 **_: Any) -> dict[str, Any]:
    """The floor rounds of business day ``day`` (R-OPS-1), by time."""
    q = (select(FloorRound, Staff).join(Staff, Staff.id == FloorRound.staff_id)
         .where(FloorRound.branch_id == branch.id, FloorRound.business_date == day))
    if slot:
        q = q.where(FloorRound.slot == slot)
    q = q.order_by(FloorRound.happened_at, FloorRound.id)
    return page(q, limit, offset, lambda r: r.FloorRound.to_dict() | {"staff": person(r.Staff)})


def list_coaching(branch: Branch, day: date, *, limit: int, offset: int, **_: Any) -> dict[str, Any]:
    """The coaching demonstrations of business day ``day`` (R-OPS-2)."""
    q = (select(Coaching, Staff).join(Staff, Staff.id == Coaching.staff_id)
         .where(Coaching.branch_id == branch.id, Coaching.business_date == day)
         .order_by(Coaching.happened_at, Coaching.id))
    return page(q, limit, offset, lambda r: r.Coaching.to_dict() | {"staff": person(r.Staff)})
