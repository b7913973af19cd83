"""Wire the sync engine into the app: registry, engine, notifier.

Services that change pulled records outside a push (admin API, CLI, scheduler jobs)
publish them with :func:`record_put` / :func:`record_delete`, in ``db.session``'s
transaction; the change reaches pulls when that transaction commits.
"""
from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, current_app

from sync.registry import Registry

from . import sync_handlers
from .extensions import db


def init_sync(app: Flask) -> None:
    """Build the registry from ``sync_handlers`` and keep it on the app."""
    registry = Registry()
    sync_handlers.register(registry)
    app.extensions["sync_registry"] = registry


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
