"""``flask lobby stats``: the lobby's daily statistics from the command line (R-CMP-10),
the same service and the same files as ``GET /api/branches/<id>/lobby/stats``."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..errors import AppError, NotFound
from ..extensions import db
from ..models.org import Branch
from . import _fail


@click.group("lobby", cls=AppGroup)
def lobby_cli() -> None:
    """The lobby: suggestion box and complaint statistics."""


@lobby_cli.command("stats")
@click.option("--branch", "code", help="Branch code; all branches when left out.")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write; stdout when left out.")
def stats(code: str | None, day, fmt: str, out: Path | None) -> None:
    """Counts of a business date by channel, kind, JR/T axes, status and escalation level."""
    from ..services import statistics as S

    try:
        branches = S.readable_branches(None, _branch_id(code) if code else None)
        data = S.daily(branches, day.date())
    except AppError as exc:
        _fail(exc)
    if fmt == "xlsx":
        if out is None:
            raise click.UsageError("--format xlsx needs --out FILE")
        out.write_bytes(S.to_xlsx(data))
    else:
        text = S.to_csv(data) if fmt == "csv" else json.dumps(data, ensure_ascii=False, indent=2)
        if out is None:
            click.echo(text)
        else:
            out.write_text(text, encoding="utf-8")
    if out is not None:
        click.echo(f"wrote {out} ({fmt}, {len(data['branches'])} branches)")


def _branch_id(code: str):
    branch_id = db.session.scalar(select(Branch.id).where(Branch.code == code))
    if branch_id is None:
        raise NotFound(f"No branch {code!r}.")
    return branch_id


def register(app) -> None:
    """Attach ``flask lobby``."""
    app.cli.add_command(lobby_cli)
