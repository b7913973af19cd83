"""HTTP glue: one blueprint per feature. Routes authenticate, load, call one service, dump."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the API."""
    from . import auth, health

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    for extra in _optional_blueprints():
        app.register_blueprint(extra)


def _optional_blueprints() -> list:
    """Feature blueprints added by later modules (sync, field ops, docs)."""
    import importlib

    found = []
    for name in ("sync", "field", "photos", "docs", "checkpoints", "patrols", "calendar", "app_shell"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        found.append(module.bp)
    return found
