"""Cleaning records (R-SEC-6), run by the ``cleaning.record`` mutator inside a push."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sync.context import TimeAttribution
from sync.registry import Principal

from ..models.cleaning import CleaningRecord
from .field_common import Affected, branch_of, ensure_new, reject
from .shifts import shift_at


def record_cleaning(session: Session, who: Principal, args: dict[str, Any], times: TimeAttribution) -> Affected:
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
