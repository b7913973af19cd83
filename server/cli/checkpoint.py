"""``flask checkpoint …``: create, list, rotate checkpoints and print label sheets (R-SEC-5)."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..errors import AppError
from . import _fail


def _now():
    return current_app.extensions["clock"].now()


@click.group("checkpoint", cls=AppGroup)
def checkpoint_cli() -> None:
    """Manage patrol checkpoints and their QR labels."""


@checkpoint_cli.command("create")
@click.option("--branch", "branch_code", required=True)
@click.option("--area", default="self_service", show_default=True)
@click.option("--name-zh", required=True)
@click.option("--name-en", required=True)
def create(branch_code: str, area: str, name_zh: str, name_en: str) -> None:
    """Create a checkpoint; prints it with its secret code."""
    from ..services import checkpoint as svc
    from ..services import org

    try:
        made = svc.create_checkpoint(None, org.get_branch_by_code(branch_code).id, area, name_zh, name_en, _now())
    except AppError as exc:
        _fail(exc)
    click.echo(json.dumps(made.to_dict(), ensure_ascii=False))


@checkpoint_cli.command("list")
@click.option("--branch", "branch_code", required=True)
def list_(branch_code: str) -> None:
    """List a branch's checkpoints with their current codes (JSON lines)."""
    from ..services import checkpoint as svc
    from ..services import org

    try:
        rows = svc.list_checkpoints(None, org.get_branch_by_code(branch_code).id)
    except AppError as exc:
        _fail(exc)
    for row in rows:
        click.echo(json.dumps(row.to_dict(), ensure_ascii=False))


@checkpoint_cli.command("rotate")
@click.option("--id", "checkpoint_id", type=click.UUID, default=None, help="One checkpoint.")
@click.option("--branch", "branch_code", default=None, help="With --area: every checkpoint of the area.")
@click.option("--area", default="self_service", show_default=True)
def rotate(checkpoint_id: uuid.UUID | None, branch_code: str | None, area: str) -> None:
    """Issue new codes; old labels stop proving patrols. Reprint the labels afterwards."""
    from ..services import checkpoint as svc

    if (checkpoint_id is None) == (branch_code is None):
        raise click.UsageError("Give exactly one of --id or --branch.")
    try:
        ids = [checkpoint_id] if checkpoint_id else [c.id for c in svc.find_by_name(branch_code, area)]
        rotated = [svc.rotate(None, i, _now()) for i in ids]
    except AppError as exc:
        _fail(exc)
    for row in rotated:
        click.echo(json.dumps(row.to_dict(), ensure_ascii=False))


@checkpoint_cli.command("labels")
@click.option("--branch", "branch_code", required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def labels_cmd(branch_code: str, out: Path) -> None:
    """Write the branch's printable label sheet (SVG, A4 pages) to --out."""
    from ..services import labels, org

    try:
        svg = labels.label_sheet(None, org.get_branch_by_code(branch_code).id)
    except AppError as exc:
        _fail(exc)
    out.write_text(svg, encoding="utf-8")
    click.echo(json.dumps({"branch": branch_code, "out": str(out)}))


def register(app: Flask) -> None:
    """Attach ``flask checkpoint``."""
    app.cli.add_command(checkpoint_cli)
