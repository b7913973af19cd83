"""Scheduled jobs: a registry the runner reads, and the jobs themselves.

Each job is ``fn(due) -> Any``: it runs inside an app context for the due time it is
handed (never "now"), and is idempotent per ``(job, branch, period)``
(``models.scheduler.JobRun``), so a rerun after a crash or a leader change does nothing
twice. The runner fences every commit a job makes (``jobs/runner.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable


@dataclass(frozen=True)
class Job:
    """A job and its APScheduler trigger (``trigger`` + ``trigger_args``, in UTC)."""

    id: str
    fn: Callable[[datetime], Any]
    trigger: str
    trigger_args: dict[str, Any]


def all_jobs(settings: Any = None) -> list[Job]:
    """Every scheduled job of the app (``settings``: the app's, for the check interval)."""
    from .compliance import compliance_job
    from .housekeeping import compact_tombstones, purge_login_failures

    check = getattr(settings, "compliance_check_seconds", 300)
    return [
        Job("housekeeping.purge_login_failures", purge_login_failures, "interval", {"minutes": 15}),
        Job("sync.compact_tombstones", compact_tombstones, "interval", {"hours": 1}),
        # R-SEC-5 hours close on the hour; judge them a few minutes after, past the grace.
        Job("compliance.patrol_hour", compliance_job("compliance.patrol_hour"), "cron", {"minute": 12}),
        # Deadlines warned before due, box and rounds after each branch's own close.
        Job("compliance.deadlines", compliance_job("compliance.deadlines"), "interval", {"seconds": check}),
        # The new day's obligations in every zone (midnight falls on some hour in each).
        Job("compliance.rollover", compliance_job("compliance.rollover"), "cron", {"minute": 1}),
    ]
