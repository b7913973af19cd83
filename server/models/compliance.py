"""Obligations the manual's schedules create, and the excuses supervisors append (#14).

An :class:`Obligation` is one duty of one subject in one time window: "a self-service
patrol in the 10:00 hour at branch X" (R-SEC-5), "the 08:00 security shift is staffed"
(R-SEC-2), "the 09:30 floor round" (R-OPS-1). There is exactly one row per
``(branch, rule, subject, window)``: its id is derived from that key (:func:`obligation_id`), so an
evaluation upserts and never adds a twin. ``verdict`` is what the rule decided; ``status``
is what is shown: ``excused`` while the latest :class:`ObligationExcuse` excuses it, else
the verdict. Excuses are appended, never deleted (a withdrawal is one more record).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UtcDateTime, iso, uuid_pk

#: Every status an obligation can show (sync-protocol "Compliance, as seen from outside").
#: ``deadline_unknown``: a due time the calendar cannot compute yet (a year nobody loaded).
STATUSES = ("pending", "met", "met_synced_late", "late", "unconfirmed", "missed", "excused", "deadline_unknown")
#: Namespace of obligation ids: ``uuid5(NS, "branch|rule|subject_kind|subject_id|window_start")``.
OBLIGATION_NS = uuid.UUID("0b1e0c5a-7d2f-4a51-9c43-5e8a1f6d2b90")


@lru_cache(maxsize=4096)
def _iso(value: datetime | None) -> str | None:
    """:func:`iso`, remembered: an evaluation formats the same few window and due times for
    every branch of a zone (tens of thousands of rows, a few hundred distinct times)."""
    return iso(value)


def obligation_id(
    branch_id: uuid.UUID, rule: str, subject_kind: str, subject_id: str, window_start: datetime
) -> uuid.UUID:
    """The one id of the obligation of ``rule`` for a branch's subject and window (idempotent upsert)."""
    return uuid.uuid5(OBLIGATION_NS, f"{branch_id}|{rule}|{subject_kind}|{subject_id}|{_iso(window_start)}")


class Obligation(db.Model):
    """One duty of one subject in one window, with the verdict that judged it."""

    __tablename__ = "obligation"
    __table_args__ = (
        UniqueConstraint(
            "branch_id", "rule", "subject_kind", "subject_id", "window_start", name="one_per_rule_subject_window"
        ),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status_known"),
        CheckConstraint(f"verdict IN ({', '.join(repr(s) for s in STATUSES)})", name="verdict_known"),
        Index("ix_obligation_branch_date", "branch_id", "business_date"),
        # The regional view reads one day of every branch (compliance_read.regional_report).
        Index("ix_obligation_date", "business_date"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    rule: Mapped[str] = mapped_column(String(16))
    #: What the rule version means is in docs/compliance.md; bumped when a rule's logic changes.
    rule_version: Mapped[int] = mapped_column(Integer)
    #: ``area`` (R-SEC-5), ``roster_shift``/``shift`` (R-SEC-2), ``floor_slot`` (R-OPS-1),
    #: ``branch``/``box_entry`` (R-BOX-1..3), ``complaint`` (complaint deadlines).
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    #: The branch-local day the window belongs to.
    business_date: Mapped[date] = mapped_column(Date)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    #: ``None`` only while the deadline is unknown (``deadline_unknown``: never a guess).
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verdict: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    #: Ids of the records that met it (a patrol, a shift, a handover, a floor round).
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Some evidence came from a device whose clock looked wrong (it still counts).
    clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Who was on duty and up to when their devices are complete (``unconfirmed``).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    judged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        """The contract's shape (sync-protocol: ``rule``, ``subject``, window, due, status,
        evidence), plus the rule version, the suspect-clock flag and the detail."""
        return {
            "id": str(self.id),
            "branch_id": str(self.branch_id),
            "rule": self.rule,
            "rule_version": self.rule_version,
            "subject": {"kind": self.subject_kind, "id": self.subject_id},
            "business_date": self.business_date.isoformat(),
            "window_start": _iso(self.window_start),
            "window_end": _iso(self.window_end),
            "due_at": _iso(self.due_at),
            "status": self.status,
            "verdict": self.verdict,
            "evidence": list(self.evidence or ()),
            "clock_suspect": self.clock_suspect,
            "detail": dict(self.detail or {}),
            "judged_at": _iso(self.judged_at),
        }


EXCUSE, WITHDRAW = "excuse", "withdraw"


class ObligationExcuse(db.Model):
    """A supervisor's excuse of an obligation (branch closed, ATM area shut for works),
    or its withdrawal. Appended only; the latest record of an obligation decides."""

    __tablename__ = "obligation_excuse"
    __table_args__ = (CheckConstraint("action IN ('excuse', 'withdraw')", name="action_known"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    obligation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("obligation.id"), index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "obligation_id": str(self.obligation_id),
            "action": self.action,
            "reason": self.reason,
            "staff_id": str(self.staff_id),
            "at": iso(self.at),
        }


class ComplianceProgress(db.Model):
    """Per branch, the last local day whose every obligation is final: the next evaluation
    starts the day after (catch-up after downtime judges from here, never from go-live)."""

    __tablename__ = "compliance_progress"

    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    closed_through: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
