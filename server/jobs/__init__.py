"""Scheduled jobs: a registry the runner reads, and the jobs themselves.

Each job is ``fn(now) -> None``, runs inside an app context, and is idempotent per
``(job, branch, period)`` (``models.scheduler.JobRun``), so a rerun after a crash or a
leader change does nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable


@dataclass(frozen=True)
class Job:
    """A job and its APScheduler trigger (``trigger`` + ``trigger_args``)."""

    id: str
    fn: Callable[[datetime], Any]
    trigger: str
    trigger_args: dict[str, Any]


def all_jobs() -> list[Job]:
    """Every scheduled job of the app."""
    from ..services.photo import expire_partials
    from .housekeeping import compact_tombstones, purge_login_failures

    return [
        Job("housekeeping.purge_login_failures", purge_login_failures, "interval", {"minutes": 15}),
        Job("sync.compact_tombstones", compact_tombstones, "interval", {"hours": 1}),
        Job("photo.expire_partials", expire_partials, "interval", {"hours": 1}),
    ]
