"""Branches and staff: creation and passwords (CLI and admin API use these)."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models.org import DAY_KEYS, Branch, Staff
from ..rules import calendar as RCAL
from ..rules.roles import ROLES
from ..sync_setup import record_put
from .passwords import hash_password

OPEN_9_TO_5 = {k: [["09:00", "17:00"]] for k in DAY_KEYS}
ROUND_THE_CLOCK = {k: [["00:00", "24:00"]] for k in DAY_KEYS}
CLOSE_AT_5 = {k: "17:00" for k in DAY_KEYS}


def _check_zone(name: str) -> None:
    if not RCAL.is_zone(name):
        raise ValidationFailed({"timezone": [f"Unknown time zone {name!r}."]})


def create_branch(
    code: str,
    name: str,
    now: datetime,
    *,
    timezone: str = "Asia/Shanghai",
    business_hours: dict[str, Any] | None = None,
    guarded_hours: dict[str, Any] | None = None,
    close_of_business: dict[str, Any] | None = None,
    go_live_date: date | None = None,
) -> Branch:
    """Create a branch; raises :class:`Conflict` when the code is taken."""
    _check_zone(timezone)
    if db.session.scalar(select(Branch.id).where(Branch.code == code)):
        raise Conflict(f"Branch code {code!r} exists.", code="branch_exists")
    branch = Branch(
        code=code,
        name=name,
        timezone=timezone,
        business_hours=business_hours or OPEN_9_TO_5,
        guarded_hours=guarded_hours or ROUND_THE_CLOCK,
        close_of_business=close_of_business or CLOSE_AT_5,
        settings={},
        go_live_date=go_live_date or RCAL.local_date(now, timezone),
        created_at=now,
        updated_at=now,
    )
    db.session.add(branch)
    db.session.flush()
    record_put("branch", branch)
    return branch


def get_branch_by_code(code: str) -> Branch:
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        raise NotFound(f"No branch with code {code!r}.")
    return branch


def create_staff(
    employee_no: str, name: str, role: str, branch_id: uuid.UUID | None, password: str, now: datetime
) -> Staff:
    """Create a staff member; employee numbers are unique across branches."""
    if role not in ROLES:
        raise ValidationFailed({"role": [f"Must be one of: {', '.join(ROLES)}."]})
    if not password:
        raise ValidationFailed({"password": ["Must not be empty."]})
    if db.session.scalar(select(Staff.id).where(Staff.employee_no == employee_no)):
        raise Conflict(f"Employee number {employee_no!r} exists.", code="staff_exists")
    staff = Staff(
        employee_no=employee_no,
        name=name,
        role=role,
        branch_id=branch_id,
        password_hash=hash_password(password),
        active=True,
        created_at=now,
        updated_at=now,
    )
    db.session.add(staff)
    db.session.flush()
    record_put("staff", staff)
    return staff


def set_password(employee_no: str, password: str, now: datetime) -> Staff:
    """Replace a staff member's password hash."""
    staff = db.session.scalar(select(Staff).where(Staff.employee_no == employee_no))
    if staff is None:
        raise NotFound(f"No staff with employee number {employee_no!r}.")
    if not password:
        raise ValidationFailed({"password": ["Must not be empty."]})
    staff.password_hash = hash_password(password)
    staff.updated_at = now
    return staff


def demo_member(branch: Branch, suffix: str) -> Staff | None:
    """The demo branch's account ``<code>-<suffix>`` (``services/demo.DEMO_PEOPLE``), if made."""
    return db.session.scalar(select(Staff).where(Staff.employee_no == f"{branch.code}-{suffix}"))
