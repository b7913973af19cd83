"""``flask compliance run --at T``: judge every rule as of an instant (#14).

The same code the scheduler's jobs run (``services.compliance.evaluate``); running it
twice for one instant changes nothing the second time.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext


@click.group("compliance", cls=AppGroup)
def compliance_cli() -> None:
    """Judge obligations (R-SEC-5, R-SEC-2, R-OPS-1) and raise alerts."""


def _instant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise click.BadParameter("give the time with its offset (2026-11-28T12:05:00+08:00 or …Z)")
    return at.astimezone(timezone.utc)


@compliance_cli.command("run")
@click.option("--at", "at", callback=_instant, help="ISO 8601 time with offset (default: now).")
@click.option("--branch", "branch_code", default=None, help="Only this branch (its code).")
@with_appcontext
def run(at: datetime | None, branch_code: str | None) -> None:
    """Evaluate every rule as of AT: every window closed since go-live, and the open ones."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models.org import Branch
    from ..services.compliance import evaluate

    ids = None
    if branch_code is not None:
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == branch_code))
        if branch_id is None:
            raise click.ClickException(f"no branch with code {branch_code!r}")
        ids = [branch_id]
    click.echo(json.dumps(evaluate(at or current_app.extensions["clock"].now(), branch_ids=ids).to_dict()))


def register(app: Flask) -> None:
    app.cli.add_command(compliance_cli)
