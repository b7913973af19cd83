"""Wire the sync engine into the app: registry, engine, notifier.

Services that change pulled records outside a push (admin API, CLI, scheduler jobs)
publish them with :func:`record_put` / :func:`record_delete`, in ``db.session``'s
transaction; the change reaches pulls when that transaction commits.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask, current_app

from sync import EngineSettings, Notifier, Registry, SyncEngine

from .extensions import db


def init_sync(app: Flask) -> None:
    """Build the registry from ``sync_handlers`` and the engine over it; keep both on the app.

    ``app.extensions["sync_registry"]`` stays mutable: tests (and late modules) may add
    mutators and entities after ``create_app``; the engine reads the registry live.
    """
    from . import sync_handlers  # its services publish through this module

    registry = Registry()
    sync_handlers.register(registry)
    app.extensions["sync_registry"] = registry
    s = app.extensions["settings"]
    clock = app.extensions["clock"]
    app.extensions["sync_engine"] = SyncEngine(
        registry,
        clock=clock.now,
        secret=s.secret_key or (lambda: _database_secret(app)),
        notifier=Notifier(s.database_url, s.redis_url, poll_interval=s.sync_poll_interval_ms / 1000),
        settings=EngineSettings(
            max_mutations=s.max_mutations_per_push,
            pull_default_limit=s.pull_default_limit,
            pull_max_limit=s.pull_max_limit,
            max_wait_seconds=s.pull_max_wait_seconds,
            clock_tolerance=timedelta(seconds=s.sync_clock_tolerance_seconds),
            tombstone_horizon=timedelta(days=s.sync_tombstone_days),
            max_waiters=s.sync_max_waiters,
            retry_after_ms=s.sync_retry_after_ms,
            # Half the pool for long polls' reads: a wake-up of 1,000 queues for it while
            # logins, pushes and health checks keep the other half (#16).
            wait_reads=max(1, s.db_pool_size // 2),
            rejected_bytes_per_day=s.sync_rejected_bytes_per_day,
        ),
    )


def _database_secret(app: Flask) -> str:
    """The cursor key every host of this database shares (``app_secret``, #16)."""
    from .services.secret import shared_secret

    with app.app_context():
        return shared_secret(db.engine, "sync_cursor")


def engine() -> SyncEngine:
    """The current app's sync engine."""
    return current_app.extensions["sync_engine"]


def record_put(entity: str, obj: Any) -> None:
    """Publish that ``obj`` of ``entity`` was created or changed (outside a push)."""
    engine = current_app.extensions.get("sync_engine")
    if engine is not None:
        engine.put(db.session, entity, obj)


def record_delete(entity: str, record_id: uuid.UUID) -> None:
    """Publish that record ``record_id`` of ``entity`` was deleted (outside a push)."""
    engine = current_app.extensions.get("sync_engine")
    if engine is not None:
        engine.delete(db.session, entity, record_id)
