"""Scheduler bookkeeping: the leader lease and the once-per-period job ledger."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UtcDateTime


class SchedulerLease(db.Model):
    """Who may run scheduled jobs now: one holder across every process and host."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Fencing token: rises by one each time the lease changes hands (never on renewal).
    #: A job's transaction commits only while the lease still carries its token (#14).
    token: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")


class JobRun(db.Model):
    """A job done for ``(job, branch, period)``; the unique key makes reruns no-ops."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "branch_id", "period", name="uq_job_run_job_branch_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(64))
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime)
    holder: Mapped[str] = mapped_column(String(200))
