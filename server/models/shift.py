"""Shifts, handovers and the roster (R-SEC-2).

A :class:`Shift` is started and ended by its owner's device; a :class:`Handover` has two
parties — the outgoing person records it, the incoming person accepts it on their own
device; :class:`HandoverItem` rows are the open items that carry forward from holder to
holder until someone closes them. :class:`RosterShift` is the plan the admin or the
operations manager maintains, against which unstaffed posts are found.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rules import permissions as P
from .base import AttributedTimes, EndTimes, UtcDateTime, iso, times_dict, uuid_pk

HANDOVER_PENDING, HANDOVER_ACCEPTED = "pending", "accepted"
ITEM_OPEN, ITEM_CLOSED = "open", "closed"


class Shift(AttributedTimes, db.Model):
    """One person on one post; ``happened_at`` is the start, ``ended_at`` the end (R-SEC-2).

    ``gap_minutes`` is how long the post stood uncovered before this shift began
    (``None``: no earlier shift on the post within the look-back; ``0``: taken over in
    person); ``post_gap`` says it exceeded the branch's tolerance.
    """

    __tablename__ = "shift"
    __table_args__ = (
        Index("ix_shift_staff_started", "staff_id", "happened_at"),
        # A person's shifts running in a window: open ones, or ended since (services.shift, #17).
        Index("ix_shift_staff_ended", "staff_id", "ended_at", "happened_at"),
        Index("ix_shift_branch_post_started", "branch_id", "post", "happened_at"),
        # A post's covering or last-ended shift, for the gap before a new one (services.shift, #17).
        Index("ix_shift_branch_post_ended", "branch_id", "post", "ended_at", "happened_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    post: Mapped[str] = mapped_column(String(32))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_device_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    gap_minutes: Mapped[int | None] = mapped_column(Integer)
    post_gap: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def started_at(self) -> datetime:
        return self.happened_at

    def end_attribution(self) -> EndTimes:
        """The times of ``shift.end`` (``end_times``; ``null`` while open). ``happened_at =
        device_at + skew`` (sync-protocol "Time attribution"), so the skew is not stored twice."""
        if self.ended_at is None or self.end_device_at is None:
            return EndTimes(None, self.end_received_at, None, self.ended_at, self.end_clock_suspect)
        skew_ms = int((self.ended_at - self.end_device_at).total_seconds() * 1000)
        return EndTimes(self.end_device_at, self.end_received_at, skew_ms, self.ended_at, self.end_clock_suspect)

    def to_dict(self) -> dict[str, Any]:
        """Pull and API shape; no names, so no customer or staff data beyond ids."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "staff_id": str(self.staff_id),
            "post": self.post,
            "started_at": iso(self.happened_at),
            "ended_at": iso(self.ended_at),
            "is_open": self.ended_at is None,
            "previous_shift_id": str(self.previous_shift_id) if self.previous_shift_id else None,
            "gap_minutes": self.gap_minutes,
            "post_gap": self.post_gap,
            "times": self.times_dict(),
            "end_times": None if self.ended_at is None else times_dict(self.end_attribution()),
        }


class Handover(AttributedTimes, db.Model):
    """A shift change (交接班): ``from_staff_id`` hands ``items`` and ``notes`` to
    ``to_staff_id``, who accepts on their own device (R-SEC-2).

    ``items`` is the snapshot of what was handed over (``[{"id", "text", "carried"}]``);
    the live state of each item is its :class:`HandoverItem`.
    """

    __tablename__ = "handover"

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shift.id"), unique=True)
    post: Mapped[str] = mapped_column(String(32))
    from_staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    to_staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=HANDOVER_PENDING)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    accept_notes: Mapped[str | None] = mapped_column(Text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "shift_id": str(self.shift_id),
            "post": self.post,
            "from_staff_id": str(self.from_staff_id),
            "to_staff_id": str(self.to_staff_id),
            "notes": self.notes,
            "items": self.items,
            "status": self.status,
            "accepted_at": iso(self.accepted_at),
            "accepted_shift_id": str(self.accepted_shift_id) if self.accepted_shift_id else None,
            "accept_notes": self.accept_notes,
            "times": self.times_dict(),
            "end_times": None if self.accepted_at is None else times_dict(self.accept_attribution()),
        }

    def accept_attribution(self) -> EndTimes:
        """The times of ``handover.accept`` (``end_times``), the record's one shape (#11):
        the device's own clock of an acceptance is not kept, so ``device_at``/``skew_ms`` are null."""
        return EndTimes(None, self.accepted_received_at, None, self.accepted_at, self.accepted_clock_suspect)


class HandoverItem(AttributedTimes, db.Model):
    """An open item of a shift change; it carries forward with each handover of its
    holder until closed (R-SEC-2). ``handover_id`` is the latest handover carrying it,
    ``origin_handover_id`` the one that raised it."""

    __tablename__ = "handover_item"

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    origin_handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handover.id"))
    handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handover.id"), index=True)
    holder_staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    pending_staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ITEM_OPEN)
    carried_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolution: Mapped[str | None] = mapped_column(Text)
    #: The closer's role when they wrote ``resolution`` (R-SEC-10, #12).
    closed_as: Mapped[str | None] = mapped_column(String(32))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "origin_handover_id": str(self.origin_handover_id),
            "handover_id": str(self.handover_id),
            "holder_staff_id": str(self.holder_staff_id),
            "pending_staff_id": str(self.pending_staff_id) if self.pending_staff_id else None,
            "text": self.text,
            "status": self.status,
            "carried_count": self.carried_count,
            "closed_at": iso(self.closed_at),
            "closed_by": str(self.closed_by) if self.closed_by else None,
            "resolution": self.resolution,
            # The item's text is a field role's (a handover); a resolution may be a manager's.
            "customer_text": ["resolution"] if self.resolution is not None
            and P.written_by_customer_data_role(self.closed_as) else [],
            "text_withheld": False,
            "times": self.times_dict(),
        }


class RosterShift(db.Model):
    """A planned shift: ``post`` staffed from ``starts_at`` to ``ends_at``, by
    ``staff_id`` when named (R-SEC-2). Maintained over REST, not by devices."""

    __tablename__ = "roster_shift"
    __table_args__ = (Index("ix_roster_shift_branch_starts", "branch_id", "starts_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    post: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The role of whoever last wrote ``notes`` (R-SEC-10, #12).
    written_as: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "post": self.post,
            "staff_id": str(self.staff_id) if self.staff_id else None,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "notes": self.notes,
            "customer_text": ["notes"] if self.notes and P.written_by_customer_data_role(self.written_as) else [],
            "text_withheld": False,
            "created_by": str(self.created_by) if self.created_by else None,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }
