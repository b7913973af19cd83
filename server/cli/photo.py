"""``flask photo …``: upkeep of incident photos."""
from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..services import photo as photo_service

photo_cli = AppGroup("photo", help="Incident photo upkeep.")


@photo_cli.command("expire-partials")
def expire_partials_cmd() -> None:
    """Drop unfinished uploads idle for FIELDOPS_PHOTO_PARTIAL_TTL_HOURS; idempotent (#12).

    The scheduler runs the same job hourly (``photo.expire_partials``).
    """
    now = current_app.extensions["clock"].now()
    click.echo(json.dumps({"expired": photo_service.expire_partials(now)}))


def register(app: Flask) -> None:
    """Attach ``flask photo``."""
    app.cli.add_command(photo_cli)
