"""The compliance jobs: each judges every rule as of the due time it is handed (#14).

They differ only in when they fire (``server/jobs/__init__.py``): a few minutes after each
hour (R-SEC-5's hour closes, R-SEC-2's shifts change), every few minutes (deadlines warned
before they are due, late records settled), and just after each hour for the daily
rollover of every zone's midnight. Each records its run in the ``job_run`` ledger for
``(job, due time)`` in the same fenced transaction as its verdicts, so a due time is
judged once, whichever scheduler ran it; a coalesced misfire after downtime runs once for
the latest due time and catches up every window that closed meanwhile.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import current_app, g
from sqlalchemy import select

from ..extensions import db
from ..models.base import iso
from ..models.scheduler import JobRun
from ..services import compliance


def compliance_job(job_id: str) -> Callable[[datetime], Any]:
    """The job ``job_id``: :func:`services.compliance.evaluate` at its due time, once."""

    def run(due: datetime) -> dict[str, Any] | None:
        period = iso(due)
        done = db.session.scalar(select(JobRun.id).where(JobRun.job == job_id, JobRun.period == period))
        if done is not None:
            db.session.rollback()
            return None
        db.session.add(JobRun(job=job_id, branch_id=None, period=period, ran_at=current_app.extensions["clock"].now(),
                              holder=g.get("scheduler_holder", "manual")))
        return compliance.evaluate(due).to_dict()

    run.__name__ = job_id.replace(".", "_")
    return run
