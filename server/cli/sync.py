"""``flask sync …``: upkeep of the sync engine's tables."""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from ..sync_setup import engine


sync_cli = AppGroup("sync", help="Sync engine upkeep.")


@sync_cli.command("compact")
def compact_cmd() -> None:
    """Drop tombstones older than the horizon (FIELDOPS_SYNC_TOMBSTONE_DAYS); idempotent.

    Devices whose cursor is older than the dropped tombstones get a reset on their next pull.
    """
    click.echo(json.dumps({"compacted": engine().compact(db.session)}))


def register(app: Flask) -> None:
    """Attach ``flask sync``."""
    app.cli.add_command(sync_cli)
