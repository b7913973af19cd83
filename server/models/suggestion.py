"""The evening suggestion box (R-BOX-1..4): a session per branch and business day, its
entries (from the box or the book), the written reply of each, and every callback attempt.

Every record keeps its times (``times``; a closed session also ``end_times``) and the
due times compliance alerts on: ``BoxSession.due_at`` (the end of the business date:
the box opened, every entry answered and every customer phoned the same day).
Customer fields (``customer_name``, ``contact``, ``text``) are confidential (R-SEC-10):
only the readers of ``permissions.ENTITY_READERS["box_entry"]`` receive them.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules import suggestion as SR
from .base import AttributedTimes, EndTimes, UtcDateTime, iso, times_dict, uuid_pk


class BoxSession(AttributedTimes, db.Model):
    """One evening's opening of the box (R-BOX-1); ``happened_at`` is when it was opened."""

    __tablename__ = "box_session"
    __table_args__ = (UniqueConstraint("branch_id", "business_date", name="one_box_session_per_day"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    #: Opened for an earlier business date (accepted, and it shows: R-BOX-1).
    opened_late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The end of the business date, local: when the day's box work is due.
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SR.OPEN)
    #: SHA-256 of the photo of the opened box (the content-addressed photo upload).
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    slip_count: Mapped[int | None] = mapped_column(Integer)
    #: "Box empty" (今日无意见) stated explicitly at close.
    empty: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    #: Why the box was closed with callbacks still open (R-BOX-3).
    callbacks_reason: Mapped[str | None] = mapped_column(Text)
    open_callbacks: Mapped[int] = mapped_column(Integer, default=0)
    end_device_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_skew_ms: Mapped[int | None] = mapped_column(Integer)
    end_happened_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    end_clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        """Pulled and listed shape (no customer data on the session itself)."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "business_date": self.business_date.isoformat(),
            "opened_by": str(self.opened_by),
            "opened_late": self.opened_late,
            "due_at": iso(self.due_at),
            "status": self.status,
            "photo_sha256": self.photo_sha256,
            "slip_count": self.slip_count,
            "empty": self.empty,
            "closed_by": str(self.closed_by) if self.closed_by else None,
            "callbacks_reason": self.callbacks_reason,
            "open_callbacks": self.open_callbacks,
            "times": times_dict(self),
            "end_times": None if self.end_happened_at is None else times_dict(EndTimes(
                self.end_device_at, self.end_received_at, self.end_skew_ms, self.end_happened_at,
                self.end_clock_suspect)),
            "updated_at": iso(self.updated_at),
        }


class BoxEntry(AttributedTimes, db.Model):
    """One slip from the box or one entry of the book (R-BOX-2); its reply lives on it."""

    __tablename__ = "box_entry"
    __table_args__ = (Index("ix_box_entry_session", "session_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("box_session.id"))
    #: Never read: it tells the ORM's flush to write a session before its entries when one
    #: segment of a push opens the box and records them (#17); a foreign key alone does not.
    box: Mapped[BoxSession] = relationship(lazy="raise")
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    customer_name: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    #: The complaint case a complaint entry opened (R-BOX-4).
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reply_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: ``not_needed`` (no contact), ``pending``, or the last callback's outcome (R-BOX-3).
    callback_status: Mapped[str] = mapped_column(String(16))
    callback_attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        """Pulled and listed shape, customer fields included (R-SEC-10 readers only)."""
        return {
            "id": str(self.id),
            "session_id": str(self.session_id),
            "branch_id": str(self.branch_id),
            "business_date": self.business_date.isoformat(),
            "source": self.source,
            "kind": self.kind,
            "text": self.text,
            "customer_name": self.customer_name,
            "contact": self.contact,
            "recorded_by": str(self.recorded_by),
            "complaint_id": str(self.complaint_id) if self.complaint_id else None,
            "follow_up": SR.FOLLOW_UP[self.kind],
            "reply": None if self.reply_text is None else {
                "text": self.reply_text,
                "replied_by": str(self.replied_by),
                "happened_at": iso(self.replied_at),
                "received_at": iso(self.reply_received_at),
            },
            "callback_status": self.callback_status,
            "callback_attempts": self.callback_attempts,
            "times": times_dict(self),
            "updated_at": iso(self.updated_at),
        }


class BoxCallback(AttributedTimes, db.Model):
    """One attempt to phone the customer of an entry (R-BOX-3); every attempt is kept."""

    __tablename__ = "box_callback"
    __table_args__ = (UniqueConstraint("entry_id", "attempt", name="one_callback_per_attempt"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("box_entry.id"), index=True)
    #: Never read: the flush writes an entry before its callbacks (see ``BoxEntry.box``).
    entry: Mapped[BoxEntry] = relationship(lazy="raise")
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    called_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))

    def to_dict(self) -> dict[str, Any]:
        """Pulled and listed shape (``notes`` may quote the customer: R-SEC-10 readers only)."""
        return {
            "id": str(self.id),
            "entry_id": str(self.entry_id),
            "branch_id": str(self.branch_id),
            "attempt": self.attempt,
            "outcome": self.outcome,
            "notes": self.notes,
            "called_by": str(self.called_by),
            "times": times_dict(self),
        }
