"""The operations manager's floor rounds and coaching (R-OPS-1, R-OPS-2)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from . import settings as FS
from .calendar import at_local

#: R-OPS-2: why a coaching demonstration was given.
COACHING_TRIGGERS = ("scheduled", "problem_seen")


def round_slots(settings: Mapping[str, Any] | None) -> dict[str, str]:
    """The branch's floor-round slots, slot id -> local ``HH:MM`` (R-OPS-1; default
    ``0930``, ``1130``, ``1600``)."""
    return dict(FS.value(settings, "floor_round_slots"))


def slot_time(settings: Mapping[str, Any] | None, slot: str, day: date, tz: str) -> datetime | None:
    """When round ``slot`` is due on local ``day`` (aware UTC), or ``None`` for a slot
    the branch does not have (R-OPS-1)."""
    hhmm = round_slots(settings).get(slot)
    return None if hhmm is None else at_local(day, hhmm, tz)


def minutes_from_slot(scheduled: datetime, happened: datetime) -> int:
    """Signed whole minutes a round happened after (+) or before (-) its slot (R-OPS-1)."""
    return int((happened - scheduled).total_seconds() // 60)
