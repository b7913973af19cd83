"""Wire the sync engine into the app: registry, engine, notifier."""
from __future__ import annotations

from flask import Flask

from sync.registry import Registry

from . import sync_handlers


def init_sync(app: Flask) -> None:
    """Build the registry from ``sync_handlers`` and keep it on the app."""
    registry = Registry()
    sync_handlers.register(registry)
    app.extensions["sync_registry"] = registry
