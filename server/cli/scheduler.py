"""``flask scheduler run``: the scheduler as its own process."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext


@click.group("scheduler", cls=AppGroup)
def scheduler_cli() -> None:
    """Run the job scheduler (leader-elected through the database)."""


@scheduler_cli.command("run")
@with_appcontext
def run() -> None:
    """Run jobs until stopped; safe to start on every host."""
    import logging

    from ..jobs.runner import LeaderScheduler

    # APScheduler logs every run of the lease heartbeat at INFO; keep the console readable.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    LeaderScheduler(app).run_forever()


def register(app: Flask) -> None:
    app.cli.add_command(scheduler_cli)
