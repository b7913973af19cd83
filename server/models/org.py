"""Branches, staff and device sessions: the organisation the rules apply to."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rules.roles import ROLES
from .base import UtcDateTime, iso, uuid_pk

#: Weekly hours: ``{"mon": [["09:00", "17:00"]], …, "sun": [...], "holiday": [...]}``;
#: an empty list means closed. ``[["00:00", "24:00"]]`` is round the clock.
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")


class Branch(db.Model):
    """A retail branch (网点) with its own zone, hours and rule settings (domain.md)."""

    __tablename__ = "branch"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    business_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    guarded_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Close of business per day kind (``"17:00"``), R-BOX-1 runs after it.
    close_of_business: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Per-branch rule values (grace minutes, counts); defaults live in ``rules/``.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    go_live_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "code": self.code,
            "name": self.name,
            "timezone": self.timezone,
            "business_hours": self.business_hours,
            "guarded_hours": self.guarded_hours,
            "close_of_business": self.close_of_business,
            "settings": self.settings,
            "go_live_date": self.go_live_date.isoformat() if self.go_live_date else None,
            "updated_at": iso(self.updated_at),
        }


class Staff(db.Model):
    """A person who signs in: bank staff or a registered on-site contractor (R-SEC-8)."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role_known"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    employee_no: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def public_dict(self) -> dict[str, Any]:
        """What any colleague may see: no password hash, no customer data."""
        return {
            "id": str(self.id),
            "employee_no": self.employee_no,
            "name": self.name,
            "role": self.role,
            "branch_id": str(self.branch_id) if self.branch_id else None,
            "active": self.active,
            # R-SEC-8/9: on-site contractors are shown as non-bank wherever a name is.
            "is_bank_staff": self.role != "onsite",
        }


class DeviceSession(db.Model):
    """A signed-in device. Only the SHA-256 of the bearer token is stored."""

    __tablename__ = "device_session"

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: SHA-256 of the device key handed out at login: the device signed in before (#12).
    device_key_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    def is_usable(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.usable(self.revoked_at, self.expires_at, now)

    @staticmethod
    def usable(revoked_at: datetime | None, expires_at: datetime, now: datetime) -> bool:
        """:meth:`is_usable` on plain column values (authentication reads them as columns)."""
        return revoked_at is None and now < expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "staff_id": str(self.staff_id),
            "label": self.label,
            "created_at": iso(self.created_at),
            "last_seen_at": iso(self.last_seen_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
        }


class LoginFailure(db.Model):
    """One failed login, kept for the throttling window; shared by every process."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employee_no: Mapped[str] = mapped_column(String(64), index=True)
    #: ``device:<key hash>`` of a device that signed in before, else ``addr:<address>`` (#12).
    source: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
