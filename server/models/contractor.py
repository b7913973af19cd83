"""On-site contractors (驻点人员) and their visits (R-SEC-8, R-SEC-9).

A :class:`Contractor` is a registered non-bank person with a badge; it may link to the
``onsite`` :class:`~server.models.org.Staff` row they sign in with. Every shape that
shows a contractor's name marks them non-bank (``is_bank_staff: false``).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rules.contractor import Badge, display_name
from .base import AttributedTimes, EndTimes, UtcDateTime, iso, times_dict, uuid_pk

VISIT_ON_SITE, VISIT_LEFT = "on_site", "checked_out"
#: A registration's free text, written by the registry's editors (R-SEC-10).
TEXT_FIELDS = ("scope_note", "revoked_reason")


class Contractor(db.Model):
    """A registered non-bank person: employer, badge, authorised scope, validity (R-SEC-8)."""

    __tablename__ = "contractor"
    __table_args__ = (UniqueConstraint("branch_id", "badge_no", name="branch_badge"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    employer: Mapped[str] = mapped_column(String(200))
    badge_no: Mapped[str] = mapped_column(String(64))
    #: Areas the badge authorises (``["atm", "self_service"]``); empty: not area-bound.
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_note: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def badge(self) -> Badge:
        """The rules' view of this registration."""
        return Badge(self.badge_no, self.valid_from, self.valid_to, self.revoked_at is not None, tuple(self.scope or ()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "staff_id": str(self.staff_id) if self.staff_id else None,
            "name": self.name,
            "display_name": display_name(self.name, self.employer),
            "is_bank_staff": False,
            "employer": self.employer,
            "badge_no": self.badge_no,
            "scope": list(self.scope or ()),
            "scope_note": self.scope_note,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "revoked": self.revoked_at is not None,
            "revoked_at": iso(self.revoked_at),
            "revoked_reason": self.revoked_reason,
            "updated_at": iso(self.updated_at),
            # The registry's notes are written over REST by its editors (the operations
            # manager, an administrator) and no author is kept: the rule's unknown author,
            # text that may name a customer, withheld outside the customer-data roles (R-SEC-10, #12).
            "customer_text": [name for name in TEXT_FIELDS if getattr(self, name)],
            "text_withheld": False,
        }


class ContractorVisit(AttributedTimes, db.Model):
    """One stay on site: check-in by badge (``happened_at``) to check-out (R-SEC-8).

    ``recorded_by`` is who pushed the check-in (the contractor's own ``onsite`` device or
    a guard at the door). ``contractor_name``/``employer`` are copied so a list of
    visits shows the non-bank mark without loading the registry (no N+1).
    """

    __tablename__ = "contractor_visit"
    __table_args__ = (Index("ix_contractor_visit_branch_happened", "branch_id", "happened_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    contractor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contractor.id"), index=True)
    contractor_staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    contractor_name: Mapped[str] = mapped_column(String(200))
    employer: Mapped[str] = mapped_column(String(200))
    badge_no: Mapped[str] = mapped_column(String(64))
    area: Mapped[str | None] = mapped_column(String(100))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default=VISIT_ON_SITE)
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_out_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_out_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    check_out_clock_suspect: Mapped[bool] = mapped_column(default=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "contractor_id": str(self.contractor_id),
            "contractor_staff_id": str(self.contractor_staff_id) if self.contractor_staff_id else None,
            "name": self.contractor_name,
            "display_name": display_name(self.contractor_name, self.employer),
            "is_bank_staff": False,
            "employer": self.employer,
            "badge_no": self.badge_no,
            "area": self.area,
            "recorded_by": str(self.recorded_by),
            "status": self.status,
            "checked_in_at": iso(self.happened_at),
            "checked_out_at": iso(self.checked_out_at),
            "checked_out_by": str(self.checked_out_by) if self.checked_out_by else None,
            "times": self.times_dict(),
            "end_times": None if self.checked_out_at is None else times_dict(self.check_out_attribution()),
        }

    def check_out_attribution(self) -> EndTimes:
        """The times of ``contractor.check_out`` (``end_times``), the record's one shape (#11):
        the device's own clock of a check-out is not kept, so ``device_at``/``skew_ms`` are null."""
        return EndTimes(None, self.checked_out_received_at, None, self.checked_out_at, self.check_out_clock_suspect)
