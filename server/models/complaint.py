"""Complaint cases (R-CMP-1..10): the intake-and-handling form (客户投诉受理和处理报告表)
as data, its append-only events, and the administrators' corrections of the JR/T 0169-2018
classification.

A :class:`Complaint` holds the form's current state (owner, level, clocks, resolution);
every change to it is also a :class:`ComplaintEvent`, appended and never edited, so two
people working on one case offline both keep their work. ``version`` rises with every
state change (hand-over, escalation, promise, extension, resolution) and lets a device say
which state it acted on. Due times (``handoff_due_at``, ``reply_due_at``,
``regulator_due_at``, ``due_at``) are columns, so compliance queries them.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.calendar import unknown_message
from .base import AttributedTimes, UtcDateTime, iso, times_dict, uuid_pk


class Complaint(AttributedTimes, db.Model):
    """One complaint case; ``happened_at`` is intake (R-CMP-3)."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_branch_opened", "branch_id", "happened_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text)
    customer_name: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    hotline_ticket: Mapped[str | None] = mapped_column(String(64))
    #: The suggestion-box entry this case came from (R-BOX-4).
    entry_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)
    #: The first-contact owner (首问责任人) and the level the case started at.
    taken_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    taker_role: Mapped[str] = mapped_column(String(32))
    taker_level: Mapped[str] = mapped_column(String(32))
    settled_on_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where the case is (R-CMP-4) and who owns it: a person, or anyone holding
    #: ``owner_role`` in the branch (regional officers: in any branch) when ``owner_id`` is None.
    level: Mapped[str] = mapped_column(String(32))
    owner_role: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: JR/T 0169-2018 axes (codes of ``rules/complaint_codes.py``, as corrected).
    jrt_channel: Mapped[str] = mapped_column(String(8))
    jrt_business: Mapped[str] = mapped_column(String(8))
    jrt_cause: Mapped[str] = mapped_column(String(8))
    # The regulator's clock (consumer complaints).
    consumer: Mapped[bool] = mapped_column(Boolean, default=True)
    complex: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    extension_customer_told: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    appraisal_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    report_to_regulator: Mapped[bool] = mapped_column(Boolean, default=False)
    regulator_reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The clocks as last computed (rules/complaint.py ``clocks``).
    handoff_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handoff_to: Mapped[str | None] = mapped_column(String(32))
    reply_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reply_due_calendar: Mapped[str | None] = mapped_column(String(200))
    promised_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    regulator_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    regulator_due_calendar: Mapped[str | None] = mapped_column(String(200))
    #: A year whose calendar a deadline still needs (None when every deadline is known).
    deadline_unknown_year: Mapped[int | None] = mapped_column(Integer, index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    due_clock: Mapped[str | None] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(Text)
    customer_response: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    #: The history, loaded with the case in one extra query per batch (no N+1).
    events: Mapped[list["ComplaintEvent"]] = relationship(
        lazy="selectin", order_by=lambda: (ComplaintEvent.version, ComplaintEvent.received_at),
        cascade="all, delete-orphan",
    )

    def to_dict(self) -> dict[str, Any]:
        """The intake form as pulled and listed (customer fields: R-SEC-10 readers only)."""
        unknown = self.deadline_unknown_year
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "channel": self.channel,
            "summary": self.summary,
            "customer_name": self.customer_name,
            "contact": self.contact,
            "hotline_ticket": self.hotline_ticket,
            "entry_id": str(self.entry_id) if self.entry_id else None,
            "taken_by": str(self.taken_by),
            "taker_role": self.taker_role,
            "settled_on_contact": self.settled_on_contact,
            "level": self.level,
            "owner_role": self.owner_role,
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "escalated": self.escalated,
            "status": self.status,
            "version": self.version,
            "classification": {"channel": self.jrt_channel, "business": self.jrt_business, "cause": self.jrt_cause},
            "clocks": {
                "manual": {
                    "handoff_due_at": iso(self.handoff_due_at),
                    "handoff_to": self.handoff_to,
                    "reply_due_at": iso(self.reply_due_at),
                    "reply_due_calendar": self.reply_due_calendar,
                    "promised_reply_at": iso(self.promised_reply_at),
                },
                "regulator": None if not self.consumer else {
                    "due_at": iso(self.regulator_due_at),
                    "calendar": self.regulator_due_calendar,
                    "complex": self.complex,
                    "extended": self.extension_approved_by is not None,
                    "paused_seconds": self.paused_seconds,
                    "in_appraisal": self.appraisal_since is not None,
                },
                "due_at": iso(self.due_at),
                "due_clock": self.due_clock,
                "deadline_unknown": unknown_message(unknown) if unknown else None,
                "deadline_unknown_year": unknown,
            },
            "report_to_regulator": self.report_to_regulator,
            "regulator_reported_at": iso(self.regulator_reported_at),
            "resolution": self.resolution,
            "customer_response": self.customer_response,
            "resolved_by": str(self.resolved_by) if self.resolved_by else None,
            "resolved_at": iso(self.resolved_at),
            "events": [e.to_dict() for e in self.events],
            "times": times_dict(self),
            "updated_at": iso(self.updated_at),
        }


#: Event kinds. State changes bump ``Complaint.version``; the others only append.
STATE_EVENTS = ("routed", "escalated", "handed_over", "promised", "extended", "appraisal", "resolved")
APPEND_EVENTS = ("opened", "contact", "note", "reported")


class ComplaintEvent(AttributedTimes, db.Model):
    """One line of the case's history (R-CMP-3): appended, never edited."""

    __tablename__ = "complaint_event"
    __table_args__ = (Index("ix_complaint_event_case", "complaint_id", "happened_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"))
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    #: The case's version this event produced (state changes) or found (appends).
    version: Mapped[int] = mapped_column(Integer)
    from_level: Mapped[str | None] = mapped_column(String(32))
    to_level: Mapped[str | None] = mapped_column(String(32))
    to_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    #: Levels skipped by this escalation, comma-separated ("" when none): marked (R-CMP-2).
    skipped: Mapped[str] = mapped_column(String(200), default="")
    rule: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)

    def to_dict(self) -> dict[str, Any]:
        """Pulled and listed shape (``text`` may quote the customer: R-SEC-10 readers only)."""
        return {
            "id": str(self.id),
            "complaint_id": str(self.complaint_id),
            "branch_id": str(self.branch_id),
            "kind": self.kind,
            "actor_id": str(self.actor_id),
            "version": self.version,
            "from_level": self.from_level,
            "to_level": self.to_level,
            "to_staff_id": str(self.to_staff_id) if self.to_staff_id else None,
            "skipped": [s for s in self.skipped.split(",") if s],
            "rule": self.rule,
            "reason": self.reason,
            "text": self.text,
            "times": times_dict(self),
        }


class ComplaintCode(db.Model):
    """An administrator's correction of the JR/T 0169-2018 table (a label, a retired
    code, an added one); the built-in table is ``rules/complaint_codes.py``."""

    __tablename__ = "complaint_code"

    axis: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatisticsFiling(AttributedTimes, db.Model):
    """R-CMP-10: the lobby manager filed a business day's forms and its statistics, after
    close; ``happened_at`` is when. One per branch and business day (compliance's evidence)."""

    __tablename__ = "statistics_filing"
    __table_args__ = (UniqueConstraint("branch_id", "business_date", name="one_filing_per_day"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    filed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
