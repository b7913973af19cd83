"""HTTP glue: one blueprint per feature. Routes authenticate, load, call one service, dump.

Every blueprint is a flask-smorest one (:mod:`server.api.openapi`): the schema that
documents a route's input loads it and the one that documents its answer serialises it.
"""
from __future__ import annotations

from flask import Flask

from . import app_shell, auth, branch, calendar, checkpoint, compliance, device_loss, docs, health, lobby, photos, sync
from .openapi import init_api

#: Every blueprint of the API, registered in this order.
BLUEPRINTS = (
    health.bp, auth.bp, sync.bp, device_loss.bp, branch.bp, photos.bp, docs.bp, checkpoint.bp, calendar.bp, compliance.bp,
    lobby.bp, app_shell.bp,
)


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the API, and the document that describes them."""
    init_api(app, BLUEPRINTS)
