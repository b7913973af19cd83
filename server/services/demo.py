"""The demo branch (sync-protocol "Demo data"): made or re-made idempotently."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models.org import Branch, Staff
from ..rules import calendar as RCAL
from ..rules import roles as R
from ..sync_setup import record_put
from . import org
from .checkpoint import seed_demo_checkpoints
from .contractor import seed_demo_badges
from .passwords import hash_password
from .roster import seed_demo_roster
from .suggestion import seed_demo_evening

DEMO_TIMEZONE = "Asia/Shanghai"

#: (suffix, name, role): at least two guards, a cleaner, an on-site contractor, a teller,
#: a lobby manager, a service quality officer, an operations manager and an administrator.
DEMO_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("G1", "王强 Wang Qiang", R.GUARD),
    ("G2", "李军 Li Jun", R.GUARD),
    ("C1", "张芳 Zhang Fang", R.CLEANER),
    ("O1", "赵工 Zhao (contractor)", R.ONSITE),
    ("T1", "陈静 Chen Jing", R.TELLER),
    ("RM1", "周敏 Zhou Min", R.RELATIONSHIP_MANAGER),
    ("LM1", "刘洋 Liu Yang", R.LOBBY_MANAGER),
    ("SQ1", "孙丽 Sun Li", R.SERVICE_QUALITY_OFFICER),
    ("OM1", "黄伟 Huang Wei", R.OPERATIONS_MANAGER),
    ("BP1", "吴刚 Wu Gang", R.BRANCH_PRESIDENT),
    ("AD1", "系统管理员 Admin", R.ADMIN),
)

#: The features' demo seeders, run in this order: ``fn(branch, now) -> dict`` whose
#: result is merged into the JSON output.
DEMO_SEEDERS = (seed_demo_checkpoints, seed_demo_roster, seed_demo_badges, seed_demo_evening)


def seed_demo(password: str, now: datetime, code: str = "DEMO01") -> dict[str, Any]:
    """Make or re-make the demo branch with its staff, all with ``password``.

    Idempotent: running it again resets the passwords and reactivates the accounts,
    creating nothing twice. Goes live at the start of the day before seeding (local time).
    """
    go_live = RCAL.local_date(now, DEMO_TIMEZONE) - timedelta(days=1)
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        branch = org.create_branch(
            code,
            f"演示支行 Demo Branch {code}",
            now,
            timezone=DEMO_TIMEZONE,
            business_hours=org.OPEN_9_TO_5,
            guarded_hours=org.ROUND_THE_CLOCK,
            close_of_business=org.CLOSE_AT_5,
            go_live_date=go_live,
        )
    record_put("branch", branch)
    accounts: dict[str, dict[str, str]] = {}
    pw_hash = hash_password(password)
    for suffix, name, role in DEMO_PEOPLE:
        employee_no = f"{code}-{suffix}"
        staff = db.session.scalar(select(Staff).where(Staff.employee_no == employee_no))
        if staff is None:
            staff = Staff(employee_no=employee_no, created_at=now)
            db.session.add(staff)
        staff.name, staff.role, staff.branch_id = name, role, branch.id
        staff.password_hash, staff.active, staff.updated_at = pw_hash, True, now
        db.session.flush()
        record_put("staff", staff)
        accounts[employee_no] = {"role": role, "staff_id": str(staff.id)}
    result: dict[str, Any] = {
        "branch_id": str(branch.id),
        "branch_code": branch.code,
        "timezone": branch.timezone,
        "accounts": accounts,
        "checkpoints": {},
    }
    for seeder in DEMO_SEEDERS:
        for key, value in seeder(branch, now).items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key].update(value)
            else:
                result[key] = value
    db.session.commit()
    return result

