"""Read side of field ops part A for supervisors and the web app: pages of shifts,
handovers, cleaning, contractor visits, floor rounds and coaching of a branch-local day.

Every list is one query (records joined with the people they name, no N+1) plus a count;
names of on-site staff carry the non-bank mark (R-SEC-9).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models.cleaning import CleaningRecord
from ..models.contractor import ContractorVisit
from ..models.floor import Coaching, FloorRound
from ..models.org import Branch, Staff
from ..models.shift import Handover, Shift
from ..rules import roles as R
from ..rules.contractors import display_name
from ..rules.field_time import day_bounds, local_date


def person(staff: Staff | None) -> dict[str, Any] | None:
    """How a person is named in a listing: contractors marked non-bank (R-SEC-8, R-SEC-9)."""
    if staff is None:
        return None
    bank = staff.role != R.ONSITE
    return {"id": str(staff.id), "name": staff.name, "role": staff.role, "is_bank_staff": bank,
            "display_name": staff.name if bank else display_name(staff.name, None)}


def _page(query: Select, limit: int, offset: int, item: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(limit).offset(offset)).all()
    more = offset + len(rows) < total
    return {"items": [item(r) for r in rows], "total": total, "limit": limit, "offset": offset,
            "next_offset": offset + limit if more else None}


def day_of(branch: Branch, day: date | None, now: datetime) -> tuple[date, datetime, datetime]:
    """The local day asked for (default: today in the branch) and its UTC bounds."""
    day = day or local_date(now, branch.timezone)
    return (day, *day_bounds(day, branch.timezone))


def shifts(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int, post: str | None = None,
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
    return _page(q, limit, offset, lambda r: r.Shift.to_dict() | {"staff": person(r.Staff)})


def handovers(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int,
              status: str | None = None, **_: Any) -> dict[str, Any]:
    """Handovers recorded during ``[start, end)`` (R-SEC-2), both parties named."""
    giver, taker = aliased(Staff), aliased(Staff)
    q = (select(Handover, giver, taker).join(giver, giver.id == Handover.from_staff_id)
         .join(taker, taker.id == Handover.to_staff_id)
         .where(Handover.branch_id == branch.id, Handover.happened_at >= start, Handover.happened_at < end))
    if status:
        q = q.where(Handover.status == status)
    q = q.order_by(Handover.happened_at, Handover.id)
    return _page(q, limit, offset, lambda r: r[0].to_dict() | {"from_staff": person(r[1]), "to_staff": person(r[2])})


def cleaning(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int, area: str | None = None,
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
    return _page(q, limit, offset, lambda r: r.CleaningRecord.to_dict() | {"staff": person(r.Staff)})


def visits(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int, status: str | None = None,
           badge_no: str | None = None, **_: Any) -> dict[str, Any]:
    """Contractor visits that overlapped ``[start, end)`` (R-SEC-8), non-bank marked."""
    q = select(ContractorVisit).where(
        ContractorVisit.branch_id == branch.id, ContractorVisit.happened_at < end,
        or_(ContractorVisit.checked_out_at.is_(None), ContractorVisit.checked_out_at >= start))
    if status:
        q = q.where(ContractorVisit.status == status)
    if badge_no:
        q = q.where(ContractorVisit.badge_no == badge_no)
    q = q.order_by(ContractorVisit.happened_at, ContractorVisit.id)
    return _page(q, limit, offset, lambda r: r.ContractorVisit.to_dict())


def floor_rounds(branch: Branch, day: date, *, limit: int, offset: int, slot: str | None = None,
                 **_: Any) -> dict[str, Any]:
    """The floor rounds of business day ``day`` (R-OPS-1), by time."""
    q = (select(FloorRound, Staff).join(Staff, Staff.id == FloorRound.staff_id)
         .where(FloorRound.branch_id == branch.id, FloorRound.business_date == day))
    if slot:
        q = q.where(FloorRound.slot == slot)
    q = q.order_by(FloorRound.happened_at, FloorRound.id)
    return _page(q, limit, offset, lambda r: r.FloorRound.to_dict() | {"staff": person(r.Staff)})


def coaching(branch: Branch, day: date, *, limit: int, offset: int, **_: Any) -> dict[str, Any]:
    """The coaching demonstrations of business day ``day`` (R-OPS-2)."""
    q = (select(Coaching, Staff).join(Staff, Staff.id == Coaching.staff_id)
         .where(Coaching.branch_id == branch.id, Coaching.business_date == day)
         .order_by(Coaching.happened_at, Coaching.id))
    return _page(q, limit, offset, lambda r: r.Coaching.to_dict() | {"staff": person(r.Staff)})
