"""HTTP glue: one blueprint per feature. Routes authenticate, load, call one service, dump."""
from __future__ import annotations

from flask import Flask

from . import app_shell, auth, branch, calendar, checkpoint, compliance, docs, health, lobby, photos, sync

#: Every blueprint of the API, registered in this order.
BLUEPRINTS = (
    health.bp, auth.bp, sync.bp, branch.bp, photos.bp, docs.bp, checkpoint.bp, calendar.bp, compliance.bp,
    lobby.bp, app_shell.bp,
)


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the API."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
