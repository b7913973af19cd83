"""Incidents reported on duty (R-SEC-4) and the photos they reference.

A photo is referenced by its SHA-256 and may reach the server after the incident (the
upload runs separately and resumes after a dropped connection). Each reference is an
:class:`IncidentPhoto` row whose ``received_at`` is set when the bytes arrive, so an
incident always says which of its photos are still missing, and a supervisor can list
incidents whose photos never came.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules import permissions as P
from .base import AttributedTimes, UtcDateTime, iso, times_dict, uuid_pk


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
    #: The reporter's and the resolver's roles when they wrote: free text by a
    #: customer-data role reaches customer-data roles only (R-SEC-10, #12).
    reported_as: Mapped[str | None] = mapped_column(String(32))
    resolved_as: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    #: Loaded with the incident in one extra query per batch (no N+1 when serialising).
    photos: Mapped[list["IncidentPhoto"]] = relationship(
        lazy="selectin", order_by="IncidentPhoto.position", cascade="all, delete-orphan"
    )

    def to_dict(self) -> dict[str, Any]:
        """Pulled and listed shape; ``photos`` tell ``received`` from ``missing``."""
        return incident_dict(self)


class IncidentPhoto(db.Model):
    """One photo an incident references by SHA-256; ``received_at`` once the bytes are stored."""

    __tablename__ = "incident_photo"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        return photo_dict(self)


class Photo(db.Model):
    """A photo whose bytes are complete and verified in the photo store."""

    __tablename__ = "photo"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(slots=True)
class NewPhoto:
    """A photo reference of a :class:`NewIncident`: the columns of :class:`IncidentPhoto`."""

    incident_id: uuid.UUID
    sha256: str
    position: int
    received_at: datetime | None


@dataclass(slots=True)
class NewIncident:
    """A just-reported incident as plain values: every column of :class:`Incident`, and
    its photo references.

    ``incident.report`` writes these with one Core ``executemany`` per batch (an ORM
    object per incident cost more than the rest of a push, #3); :func:`incident_dict`
    serialises them exactly like a stored :class:`Incident`.
    """

    id: uuid.UUID
    branch_id: uuid.UUID
    reported_by: uuid.UUID
    category: str
    location: str
    description: str
    severity: str
    patrol_id: uuid.UUID | None
    status: str
    updated_at: datetime
    device_at: datetime
    received_at: datetime
    skew_ms: int
    happened_at: datetime
    clock_suspect: bool
    photos: list[NewPhoto]
    resolved_by: uuid.UUID | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    reported_as: str | None = None
    resolved_as: str | None = None

    def row(self) -> dict[str, Any]:
        """The ``incident`` row (without photos)."""
        return {name: getattr(self, name) for name in INCIDENT_COLUMNS}

    def photo_rows(self) -> list[dict[str, Any]]:
        """The ``incident_photo`` rows."""
        return [{name: getattr(p, name) for name in PHOTO_COLUMNS} for p in self.photos]

    def to_orm(self) -> Incident:
        """The same incident as a new ORM object, to add to a session."""
        return Incident(**self.row(), photos=[IncidentPhoto(**row) for row in self.photo_rows()])


INCIDENT_COLUMNS: tuple[str, ...] = tuple(Incident.__table__.columns.keys())
PHOTO_COLUMNS: tuple[str, ...] = tuple(IncidentPhoto.__table__.columns.keys())


def incident_dict(incident: Incident | NewIncident) -> dict[str, Any]:
    """The pulled and listed shape of an incident, stored or just reported; ``photos``
    tell ``received`` from ``missing``."""
    return {
        "id": str(incident.id),
        "branch_id": str(incident.branch_id),
        "reported_by": str(incident.reported_by),
        "category": incident.category,
        "location": incident.location,
        "description": incident.description,
        "severity": incident.severity,
        "patrol_id": str(incident.patrol_id) if incident.patrol_id else None,
        "status": incident.status,
        "resolved_by": str(incident.resolved_by) if incident.resolved_by else None,
        "resolved_at": iso(incident.resolved_at),
        "resolution": incident.resolution,
        "customer_text": customer_text(incident),
        "text_withheld": False,
        "photos": [photo_dict(p) for p in incident.photos],
        "missing_photos": sum(1 for p in incident.photos if p.received_at is None),
        "updated_at": iso(incident.updated_at),
        "times": times_dict(incident),
    }


def customer_text(incident: Incident | NewIncident) -> list[str]:
    """The free-text fields of ``incident`` that a customer-data role wrote (R-SEC-10):
    place and description by its reporter, the resolution by its resolver."""
    names = ["location", "description"] if P.written_by_customer_data_role(incident.reported_as) else []
    if incident.resolution is not None and P.written_by_customer_data_role(incident.resolved_as):
        names.append("resolution")
    return names


def photo_dict(ref: IncidentPhoto | NewPhoto) -> dict[str, Any]:
    """A photo reference as an incident shows it."""
    return {"sha256": ref.sha256, "status": "received" if ref.received_at else "missing"}
