"""The scheduler process: APScheduler 3 behind a database leader lease and a fencing token.

Start it with ``flask scheduler run`` (the README's start command does). Any number may
run, on any number of hosts sharing one database: each renews or tries to take the lease
every third of its length, and only the holder runs jobs. Believing to lead is not
enough to write: every commit of a job's transaction first re-checks the lease's fencing
token (``services.lease.check_fence``), so a leader that stalled past its lease and wakes
up (SIGSTOP, a long GC pause) writes nothing (#14).

Each job is handed the due time it runs for — the latest fire time of its trigger at or
before now — never "now": after downtime, coalesced misfires run once, for the latest
due time, and the jobs judge every window that closed by then (catch-up). Interval
triggers are anchored at :data:`ANCHOR`, so every process computes the same due times.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, g
from sqlalchemy import event

from ..services import lease
from . import Job, all_jobs

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"
#: Where interval triggers start counting, the same in every process.
ANCHOR = datetime(2000, 1, 1, tzinfo=timezone.utc)


def make_trigger(job: Job) -> BaseTrigger:
    """The APScheduler trigger of ``job`` in UTC (interval triggers anchored)."""
    if job.trigger == "interval":
        return IntervalTrigger(start_date=ANCHOR, timezone=timezone.utc, **job.trigger_args)
    if job.trigger == "cron":
        return CronTrigger(timezone=timezone.utc, **job.trigger_args)
    raise ValueError(f"unknown trigger {job.trigger!r} of job {job.id}")


def due_time(trigger: BaseTrigger, now: datetime) -> datetime:
    """The latest fire time of ``trigger`` at or before ``now`` (``now`` if none in 2 days)."""
    if isinstance(trigger, IntervalTrigger):
        steps = (now - trigger.start_date) // trigger.interval
        return (trigger.start_date + steps * trigger.interval).astimezone(timezone.utc)
    latest = None
    fire = trigger.get_next_fire_time(None, now - timedelta(days=2))
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return (latest or now).astimezone(timezone.utc)


class LeaderScheduler:
    """Wraps every job so it runs only while this process holds the lease, and commits
    only while the lease still carries this process's fencing token."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.ttl = timedelta(seconds=app.extensions["settings"].scheduler_lease_seconds)
        self.token: int | None = None
        self._leader = threading.Event()

    @property
    def is_leader(self) -> bool:
        return self._leader.is_set()

    def heartbeat(self) -> bool:
        """Renew or take the lease; returns whether this process leads now."""
        with self.app.app_context():
            now = self.app.extensions["clock"].now()
            try:
                token = lease.acquire(LEASE_NAME, self.holder, now, self.ttl)
            except Exception:  # database away: stop acting until it is back
                log.exception("scheduler lease heartbeat failed")
                token = None
        held = token is not None
        if held and not self.is_leader:
            log.info("scheduler %s is now the leader (token %s)", self.holder, token)
        if not held and self.is_leader:
            log.warning("scheduler %s lost the lease", self.holder)
        self.token = token
        self._leader.set() if held else self._leader.clear()
        return held

    def run_job(self, job: Job, due: datetime | None = None) -> Any:
        """Run ``job`` for ``due`` (default: its trigger's latest due time) if leading;
        every commit it makes is fenced. Logs and keeps going on failure."""
        token = self.token
        if not self.is_leader or token is None:
            return None
        with self.app.app_context():
            from ..extensions import db

            clock = self.app.extensions["clock"]
            due = due or due_time(make_trigger(job), clock.now())
            session = db.session()

            def fence(_session: Any) -> None:
                lease.check_fence(LEASE_NAME, self.holder, token, clock.now())

            event.listen(session, "before_commit", fence)
            g.scheduler_holder = self.holder
            try:
                return job.fn(due)
            except lease.FenceLost:
                db.session.rollback()
                log.warning("job %s for %s refused: scheduler %s no longer holds the lease", job.id, due, self.holder)
                self._leader.clear()
                return None
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", job.id)
                return None
            finally:
                event.remove(session, "before_commit", fence)

    def build(self) -> BlockingScheduler:
        """An APScheduler with the heartbeat and every job of ``all_jobs()``: misfires
        are coalesced into one run and never dropped (no grace limit)."""
        sched = BlockingScheduler(timezone="UTC")
        beat = max(1, int(self.ttl.total_seconds() // 3))
        sched.add_job(self.heartbeat, "interval", seconds=beat, id="lease.heartbeat", max_instances=1, coalesce=True)
        for job in all_jobs(self.app.extensions["settings"]):
            sched.add_job(
                self.run_job, make_trigger(job), args=[job], id=job.id,
                max_instances=1, coalesce=True, misfire_grace_time=None,
            )
        return sched

    def run_forever(self) -> None:
        """Block, running jobs while leader; release the lease on exit."""
        self.heartbeat()
        sched = self.build()
        try:
            sched.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            with self.app.app_context():
                lease.release(LEASE_NAME, self.holder)
