"""PLACEHOLDER for field ops PART A's ``Shift`` model — drop this file at merge time.

Part B (patrols, R-SEC-5) only needs "was this guard on shift at this instant", so it
mirrors the shape of PART A's model on branch ``field-shifts``: the start is the
record's ``happened_at`` (``AttributedTimes``; ``started_at`` is a property) and
``ended_at`` is nullable. PART A's real module replaces this one unchanged for Part B.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AttributedTimes, UtcDateTime, uuid_pk


class Shift(AttributedTimes, db.Model):
    """A staff member's shift at a post (R-SEC-2). Placeholder: see the module docstring."""

    __tablename__ = "shift"

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    post: Mapped[str] = mapped_column(String(32))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def started_at(self) -> datetime:
        return self.happened_at
