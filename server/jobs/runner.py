"""The scheduler process: APScheduler 3 behind a database leader lease.

Start it with ``flask scheduler run`` (the README's start command does). Any number may
run, on any number of hosts sharing one database: each renews or tries to take the lease
every third of its length, and only the holder runs jobs.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..services import lease
from . import Job, all_jobs

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"


class LeaderScheduler:
    """Wraps every job so it runs only while this process holds the lease."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.ttl = timedelta(seconds=app.extensions["settings"].scheduler_lease_seconds)
        self._leader = threading.Event()

    @property
    def is_leader(self) -> bool:
        return self._leader.is_set()

    def heartbeat(self) -> bool:
        """Renew or take the lease; returns whether this process leads now."""
        with self.app.app_context():
            now = self.app.extensions["clock"].now()
            try:
                held = lease.try_acquire(LEASE_NAME, self.holder, now, self.ttl)
            except Exception:  # database away: stop acting until it is back
                log.exception("scheduler lease heartbeat failed")
                held = False
        if held and not self.is_leader:
            log.info("scheduler %s is now the leader", self.holder)
        if not held and self.is_leader:
            log.warning("scheduler %s lost the lease", self.holder)
        self._leader.set() if held else self._leader.clear()
        return held

    def run_job(self, job: Job) -> Any:
        """Run ``job`` now if leading; log and keep going on failure."""
        if not self.is_leader:
            return None
        with self.app.app_context():
            from ..extensions import db

            try:
                return job.fn(self.app.extensions["clock"].now())
            except Exception:
                db.session.rollback()
                log.exception("job %s failed", job.id)
                return None

    def build(self) -> BlockingScheduler:
        """An APScheduler with the heartbeat and every job of ``all_jobs()``."""
        sched = BlockingScheduler(timezone="UTC")
        beat = max(1, int(self.ttl.total_seconds() // 3))
        sched.add_job(self.heartbeat, "interval", seconds=beat, id="lease.heartbeat", max_instances=1, coalesce=True)
        for job in all_jobs():
            sched.add_job(self.run_job, job.trigger, args=[job], id=job.id, max_instances=1, coalesce=True, **job.trigger_args)
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
