"""Cleaning records (R-SEC-6), run by the ``cleaning.record`` mutator inside a push."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import Batch, own, Principal, TimeAttribution

from ..models.cleaning import CleaningRecord
from ..models.org import Branch, Staff
from .listing import page, person
from .mutation import Affected, branch_of, ensure_new, reject
from .shift import shifts_of


def prefetch_cleaning(session: Session, who: Principal, args: list[dict[str, Any]]) -> Batch:
    """What a run of ``cleaning.record`` reads, once: the actor's shifts over the run's
    times (R-SEC-6). A taken cleaning id is its primary key's to refuse (:func:`ensure_new`)."""
    return Batch(shifts=shifts_of(session, who.staff_id))


def record_cleaning(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any],
                    batch: Batch | None = None) -> Affected:
    """Record a cleaning task done by the actor, who must be on shift at its
    ``happened_at`` (R-SEC-6; a late sync still counts by when it was done).

    Rejects ``no_branch``, ``duplicate_record_id``, ``not_on_shift``. With ``batch``
    (:func:`prefetch_cleaning`) it reads nothing and defers its row to the batch's store;
    without, it prepares and stores a batch of one (the careful path, the same code).
    """
    branch = branch_of(session, who)  # the session's identity map after the first
    batch, mine = own(batch, lambda: prefetch_cleaning(session, who, [args]))
    ensure_new(session, CleaningRecord, args["cleaning_id"], "cleaning_id", batch=None if mine else batch)
    shift = batch.lookup("shifts").at(times.happened_at)
    if shift is None:
        reject("not_on_shift", "Cleaning is recorded during one's own shift; start the shift first.", rule="R-SEC-6")
    record = CleaningRecord(
        id=args["cleaning_id"], branch_id=branch.id, staff_id=who.staff_id, shift_id=shift.id,
        area=args["area"], task=args["task"], notes=args.get("notes") or "",
    )
    record.stamp(times)
    batch.add(record)
    if mine:
        batch.store(session)
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
