"""Incidents reported on duty (R-SEC-4) and the photos they reference.

A photo is referenced by its SHA-256 and may reach the server after the incident (the
upload runs separately and resumes after a dropped connection). Each reference is an
:class:`IncidentPhoto` row whose ``received_at`` is set when the bytes arrive, so an
incident always says which of its photos are still missing, and a supervisor can list
incidents whose photos never came.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AttributedTimes, UtcDateTime, iso, uuid_pk


class Incident(AttributedTimes, db.Model):
    """An incident (R-SEC-4): category, place, time (``happened_at``), description, severity."""

    __tablename__ = "incident"

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    reported_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    #: Set when a patrol's anomaly or fault raised this incident (R-SEC-5).
    patrol_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    #: Loaded with the incident in one extra query per batch (no N+1 when serialising).
    photos: Mapped[list["IncidentPhoto"]] = relationship(
        lazy="selectin", order_by="IncidentPhoto.position", cascade="all, delete-orphan"
    )

    def to_dict(self) -> dict[str, Any]:
        """Pulled and listed shape; ``photos`` tell ``received`` from ``missing``."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "reported_by": str(self.reported_by),
            "category": self.category,
            "location": self.location,
            "description": self.description,
            "severity": self.severity,
            "patrol_id": str(self.patrol_id) if self.patrol_id else None,
            "status": self.status,
            "resolved_by": str(self.resolved_by) if self.resolved_by else None,
            "resolved_at": iso(self.resolved_at),
            "resolution": self.resolution,
            "photos": [p.to_dict() for p in self.photos],
            "missing_photos": sum(1 for p in self.photos if p.received_at is None),
            "updated_at": iso(self.updated_at),
            **self.times_dict(),
        }


class IncidentPhoto(db.Model):
    """One photo an incident references by SHA-256; ``received_at`` once the bytes are stored."""

    __tablename__ = "incident_photo"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "status": "received" if self.received_at else "missing"}


class Photo(db.Model):
    """A photo whose bytes are complete and verified in the photo store."""

    __tablename__ = "photo"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
