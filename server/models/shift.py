"""PLACEHOLDER for field ops PART A's ``Shift`` model — drop this file at merge time.

Part B (patrols, R-SEC-5) only needs "is this guard on shift at this instant", so it
assumes Part A's model has exactly these columns: ``id``, ``staff_id``, ``branch_id``,
``post``, ``started_at`` (UtcDateTime) and ``ended_at`` (nullable). Part A's real module
replaces this one; nothing else in Part B defines shifts.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UtcDateTime, uuid_pk


class Shift(db.Model):
    """A staff member's shift at a post (R-SEC-2). Placeholder: see the module docstring."""

    __tablename__ = "shift"

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    post: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
