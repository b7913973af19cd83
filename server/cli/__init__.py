"""``flask`` commands: branch, staff, seed-demo, and the features' groups (listed in ``register_cli``)."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ..errors import AppError
from ..extensions import db


def _now():
    return current_app.extensions["clock"].now()


def _fail(exc: AppError) -> None:
    db.session.rollback()
    click.echo(json.dumps({"error": exc.code, "detail": exc.detail}), err=True)
    sys.exit(1)


@click.group("branch", cls=AppGroup)
def branch_cli() -> None:
    """Manage branches."""


@branch_cli.command("create")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def branch_create(code: str, name: str, timezone: str) -> None:
    """Create a branch (09:00–17:00 every day, guarded round the clock; edit later)."""
    from ..services import org

    try:
        branch = org.create_branch(code, name, _now(), timezone=timezone)
        db.session.commit()
    except AppError as exc:
        _fail(exc)
    click.echo(json.dumps(branch.to_dict(), ensure_ascii=False))


@click.group("staff", cls=AppGroup)
def staff_cli() -> None:
    """Manage staff accounts."""


@staff_cli.command("create")
@click.option("--employee-no", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--branch", "branch_code", default=None, help="Branch code (none for a global administrator).")
@click.password_option(envvar="FIELDOPS_NEW_PASSWORD")
def staff_create(employee_no: str, name: str, role: str, branch_code: str | None, password: str) -> None:
    """Create a staff member."""
    from ..services import org

    try:
        branch_id = org.get_branch_by_code(branch_code).id if branch_code else None
        staff = org.create_staff(employee_no, name, role, branch_id, password, _now())
        db.session.commit()
    except AppError as exc:
        _fail(exc)
    click.echo(json.dumps(staff.public_dict(), ensure_ascii=False))


@staff_cli.command("set-password")
@click.option("--employee-no", required=True)
@click.password_option(envvar="FIELDOPS_NEW_PASSWORD")
def staff_set_password(employee_no: str, password: str) -> None:
    """Replace a staff member's password."""
    from ..services import org

    try:
        staff = org.set_password(employee_no, password, _now())
        db.session.commit()
    except AppError as exc:
        _fail(exc)
    click.echo(json.dumps({"employee_no": staff.employee_no, "password": "updated"}))


@click.command("seed-demo")
@with_appcontext
@click.option("--password", required=True, help="Password of every demo account.")
@click.option("--branch", "code", default="DEMO01", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the only format).")
def seed_demo_cmd(password: str, code: str, as_json: bool) -> None:
    """Make or re-make the demo branch and print its accounts as JSON."""
    from ..services.demo import seed_demo

    try:
        result = seed_demo(password, _now(), code=code)
    except AppError as exc:
        _fail(exc)
    click.echo(json.dumps(result, ensure_ascii=False, indent=None if as_json else 2))


def register_cli(app: Flask) -> None:
    """Attach every command group to ``app.cli``."""
    app.cli.add_command(branch_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(seed_demo_cmd)
    from . import calendar, checkpoint, compliance, lobby, photo, scheduler, sync

    for feature in (scheduler, compliance, sync, checkpoint, calendar, photo, lobby):
        feature.register(app)
