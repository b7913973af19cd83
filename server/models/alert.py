"""Alerts: what supervisors are told about obligations (#14).

One alert per ``(obligation, kind)`` — ``key`` is unique — however often the evaluation
runs. An alert is *open* until it resolves itself (the obligation it is about no longer
warrants it: a late patrol met the hour) or, for branch-level alerts, its condition ends.
Acknowledging (who, when, note) does not close it: it says someone has seen it.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UtcDateTime, iso, uuid_pk

#: Namespace of alert ids: ``uuid5(NS, key)``, so a device can name an alert it pulled.
ALERT_NS = uuid.UUID("4c3a8e1b-2f6d-4b7a-8e0c-91d2a6f5b3c7")


def alert_id(key: str) -> uuid.UUID:
    """The id of the alert with ``key``."""
    return uuid.uuid5(ALERT_NS, key)


class Alert(db.Model):
    """A missed, unconfirmed or soon-due obligation, or a branch-level condition, routed
    to the roles responsible (``roles``)."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_branch_open", "branch_id", "resolved_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    #: ``<obligation id>:<kind>`` or ``<branch id>:<kind>:<what>``.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    obligation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("obligation.id"), index=True)
    #: ``missed``, ``unconfirmed``, ``due_soon``, ``repeated_missed``, ``calendar_unknown``,
    #: ``device_lost_records`` (services/device_loss.py).
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(16))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    ack_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def to_dict(self) -> dict[str, Any]:
        """Pull and API shape: ids, rule and kind, never customer data (R-SEC-10)."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "obligation_id": str(self.obligation_id) if self.obligation_id else None,
            "kind": self.kind,
            "rule": self.rule,
            "roles": list(self.roles or ()),
            "message": self.message,
            "raised_at": iso(self.raised_at),
            "resolved_at": iso(self.resolved_at),
            "is_open": self.is_open,
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": str(self.acknowledged_by) if self.acknowledged_by else None,
            "ack_note": self.ack_note,
        }
