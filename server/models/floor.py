"""The operations manager's floor rounds and coaching demonstrations (R-OPS-1, R-OPS-2)."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AttributedTimes, UtcDateTime, iso, uuid_pk


class FloorRound(AttributedTimes, db.Model):
    """One of the day's three rounds (三巡), recorded with findings (R-OPS-1).

    ``business_date`` is the branch-local day, ``scheduled_at`` the slot's time that day,
    ``minutes_from_slot`` how far from it the round was done (by ``happened_at``).
    """

    __tablename__ = "floor_round"
    __table_args__ = (UniqueConstraint("branch_id", "business_date", "slot", name="one_per_slot"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    business_date: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(8))
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    minutes_from_slot: Mapped[int] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text)
    posts_checked: Mapped[list[str]] = mapped_column(JSON, default=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "staff_id": str(self.staff_id),
            "business_date": self.business_date.isoformat(),
            "slot": self.slot,
            "scheduled_at": iso(self.scheduled_at),
            "minutes_from_slot": self.minutes_from_slot,
            "findings": self.findings,
            "posts_checked": list(self.posts_checked or ()),
            "times": self.times_dict(),
        }


class Coaching(AttributedTimes, db.Model):
    """A coaching demonstration (示范): scheduled around 10:30 or when a problem is seen (R-OPS-2)."""

    __tablename__ = "coaching"

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    business_date: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(16))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "staff_id": str(self.staff_id),
            "business_date": self.business_date.isoformat(),
            "topic": self.topic,
            "notes": self.notes,
            "trigger": self.trigger,
            "times": self.times_dict(),
        }
