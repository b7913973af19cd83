"""``flask calendar load|show``: administrators load or correct a year of the working-day
calendar (domain.md "Working days and time"; docs/calendar.md).

The file is CSV with a ``date,kind,name`` header, or JSON (a list of
``{"date", "kind", "name"}``): the year's statutory holidays (``holiday``) and adjusted
working weekends (``workday``, 调休上班) that differ from Monday-to-Friday or from the
package. ``--complete`` declares a year the package does not know as known.
"""
from __future__ import annotations

import csv
import getpass
import io
import json
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

from ..errors import AppError, ValidationFailed
from ..schemas.calendar import CalendarYearIn, CalendarYearOut
from . import _fail


@click.group("calendar", cls=AppGroup)
def calendar_cli() -> None:
    """Load and show China's working-day calendar."""


@calendar_cli.command("load")
@click.option("--year", type=int, required=True)
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--complete", is_flag=True, help="The file is the whole year: make the year known.")
def load(year: int, path: Path, complete: bool) -> None:
    """Load a year's holidays and adjusted working days from a CSV or JSON file; prints the year."""
    from ..services import calendar as svc

    try:
        data = _parse(path, complete)
        now = current_app.extensions["clock"].now()
        shown = svc.load_year(None, year, data, now, loaded_by=_operator(), origin=path.name)
    except AppError as exc:
        _fail(exc)
    click.echo(json.dumps(CalendarYearOut().dump(shown), ensure_ascii=False))


@calendar_cli.command("show")
@click.option("--year", type=int, required=True)
def show(year: int) -> None:
    """Print what the calendar knows of a year (JSON): known or not, by which data, its days."""
    from ..services import calendar as svc

    click.echo(json.dumps(CalendarYearOut().dump(svc.show_year(None, year)), ensure_ascii=False))


def _parse(path: Path, complete: bool) -> dict[str, Any]:
    """The file as ``CalendarYearIn`` loads it; a malformed file is ``validation_failed``."""
    from ..services.calendar import describe

    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
            rows = json.loads(text)
        else:
            # An empty CSV cell is "no name", as JSON's null is.
            rows = [{k: (v or None) if k == "name" else v for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
    except (ValueError, csv.Error) as exc:
        message = f"{path.name} is not valid CSV or JSON: {exc}"
        raise ValidationFailed({"file": [message]}, message) from None
    try:
        return CalendarYearIn().load({"complete": complete, "days": rows})
    except ValidationError as exc:
        raise ValidationFailed(exc.normalized_messages(), describe(exc.normalized_messages())) from None


def _operator() -> str:
    """``cli:<os user>``: who ran the load, as far as the machine knows."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def register(app: Flask) -> None:
    """Attach ``flask calendar``."""
    app.cli.add_command(calendar_cli)
