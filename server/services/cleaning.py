"""Cleaning records (R-SEC-6), run by the ``cleaning.record`` mutator inside a push."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.context import TimeAttribution
from sync.registry import Principal

from ..models.cleaning import CleaningRecord
from ..models.org import Branch, Staff
from .listing import page, person
from .mutation import Affected, branch_of, ensure_new, reject
from .shift import shift_at


def record_cleaning(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Record a cleaning task done by the actor, who must be on shift at its
    ``happened_at`` (R-SEC-6; a late sync still counts by when it was done).

    Rejects ``not_on_shift``, ``duplicate_record_id``.
    """
    branch = branch_of(session, who)
    ensure_new(session, CleaningRecord, args["cleaning_id"], "cleaning_id")
    shift = shift_at(session, who.staff_id, times.happened_at)
    if shift is None:
        reject("not_on_shift", "Cleaning is recorded during one's own shift; start the shift first.", rule="R-SEC-6")
    record = CleaningRecord(
        id=args["cleaning_id"], branch_id=branch.id, staff_id=who.staff_id, shift_id=shift.id,
        area=args["area"], task=args["task"], notes=args.get("notes") or "",
    )
    record.stamp(times)
    session.add(record)
    return [("cleaning", record)]

def list_cleaning(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int, area: str | None = None,
             staff_id: Any = None, **_: Any) -> dict[str, Any]:
    """Cleaning done during ``[start, end)`` (R-SEC-6), by time."""
    q = (select(CleaningRecord, Staff).join(Staff, Staff.id == CleaningRecord.staff_id)
         .where(CleaningRecord.branch_id == branch.id, CleaningRecord.happened_at >= start,
                CleaningRecord.happened_at < end))
    if area:
        q = q.where(CleaningRecord.area == area)
    if staff_id:
        q = q.where(CleaningRecord.staff_id == staff_id)
    q = q.order_by(CleaningRecord.happened_at, CleaningRecord.id)
    return page(q, limit, offset, lambda r: r.CleaningRecord.to_dict() | {"staff": person(r.Staff)})
