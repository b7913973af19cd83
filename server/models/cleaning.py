"""Cleaning records (R-SEC-6): a cleaner on shift notes what was cleaned, where."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AttributedTimes, uuid_pk


class CleaningRecord(AttributedTimes, db.Model):
    """One cleaning task done in one area during ``shift_id`` (R-SEC-6)."""

    __tablename__ = "cleaning"
    __table_args__ = (Index("ix_cleaning_branch_happened", "branch_id", "happened_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shift.id"))
    area: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "staff_id": str(self.staff_id),
            "shift_id": str(self.shift_id),
            "area": self.area,
            "task": self.task,
            "notes": self.notes,
            "times": self.times_dict(),
        }
