"""Checkpoints and the patrols proved at them (R-SEC-5).

A checkpoint is a place in a branch area (the self-service area 自助服务区 at least) with
a printed QR label. The label carries a random secret code; a device learns it only by
scanning the label, so a patrol that names the code was done at the place. Codes rotate:
each is a :class:`CheckpointCode` row that is retired, never deleted, so a patrol made
offline before a rotation can still be judged, and a stale code is told apart from an
unknown one.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AttributedTimes, UtcDateTime, iso, uuid_pk


class Checkpoint(db.Model):
    """A scannable place in a branch area. Its secret code lives in :class:`CheckpointCode`."""

    __tablename__ = "checkpoint"
    __table_args__ = (UniqueConstraint("branch_id", "area", "name_en", name="area_name"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    #: Area slug (``self_service`` for R-SEC-5); see ``rules/field.py``.
    area: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def public_dict(self) -> dict[str, Any]:
        """What devices pull: never the secret code (R-SEC-5, the code proves presence)."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "area": self.area,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "active": self.active,
            "updated_at": iso(self.updated_at),
        }


class CheckpointCode(db.Model):
    """One secret code of a checkpoint; the current one has ``retired_at`` unset."""

    __tablename__ = "checkpoint_code"

    id: Mapped[uuid.UUID] = uuid_pk()
    checkpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checkpoint.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def was_current_at(self, at: datetime) -> bool:
        """True when this code was the checkpoint's code at instant ``at``."""
        return self.issued_at <= at and (self.retired_at is None or at < self.retired_at)


class Patrol(AttributedTimes, db.Model):
    """One patrol proved at a checkpoint (R-SEC-5), made by ``patrol.record``."""

    __tablename__ = "patrol"

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shift.id"))
    checkpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checkpoint.id"), index=True)
    #: Copied from the checkpoint so compliance filters patrols without a join.
    area: Mapped[str] = mapped_column(String(32))
    #: item -> ``ok`` | ``fault`` (items in ``rules/field.py``).
    checks: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    anomaly: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)
    #: Accepted on a code retired after the patrol happened (made offline before a rotation).
    code_was_rotated: Mapped[bool] = mapped_column(Boolean, default=False)

    def to_dict(self) -> dict[str, Any]:
        """The pulled and listed shape: no customer data exists here (R-SEC-10)."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "staff_id": str(self.staff_id),
            "shift_id": str(self.shift_id) if self.shift_id else None,
            "checkpoint_id": str(self.checkpoint_id),
            "area": self.area,
            "checks": dict(self.checks or {}),
            "anomaly": self.anomaly,
            "incident_id": str(self.incident_id) if self.incident_id else None,
            "code_was_rotated": self.code_was_rotated,
            "times": self.times_dict(),
        }

