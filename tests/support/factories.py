"""Plain factory functions for the features' tests (house style: no factory library)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from server.extensions import db
from server.models.org import Branch
from server.services import org
from tests.conftest import DEMO_PASSWORD, T0, RoleClient, login

from tests.support.helpers import new_id  # noqa: F401  (re-exported: one new_id)
from tests.support.pushpull import push_one


def at(minutes: float = 0, **kw: float) -> datetime:
    """T0 (10:00 Asia/Shanghai) shifted by ``minutes``."""
    return T0 + timedelta(minutes=minutes, **kw)


def start_shift(rc: Any, post: str = "security", when: datetime | None = None, shift_id: str | None = None) -> tuple[str, dict]:
    """Push ``shift.start``; returns (shift_id, result)."""
    shift_id = shift_id or new_id()
    return shift_id, push_one(rc, "shift.start", {"shift_id": shift_id, "post": post}, when)


def end_shift(rc: Any, shift_id: str, when: datetime | None = None) -> dict:
    return push_one(rc, "shift.end", {"shift_id": shift_id}, when)


def set_branch_settings(app: Any, branch_id: str, **settings: Any) -> None:
    """Merge ``settings`` into the branch's rule settings."""
    with app.app_context():
        branch = db.session.get(Branch, uuid.UUID(branch_id))
        branch.settings = {**(branch.settings or {}), **settings}
        db.session.commit()


OTHER_PASSWORD = "pw-123456"


def other_branch_member(app: Any, role: str = "guard") -> tuple[str, str]:
    """A staff member of another branch (password ``OTHER_PASSWORD``): (id, employee_no)."""
    with app.app_context():
        now = app.extensions["clock"].now()
        branch = org.create_branch(f"OTHER{uuid.uuid4().hex[:6]}", "Other branch", now)
        staff = org.create_staff(f"X-{uuid.uuid4().hex[:8]}", "Other person", role, branch.id, OTHER_PASSWORD, now)
        db.session.commit()
        return str(staff.id), staff.employee_no


def other_branch_staff(app: Any, role: str = "guard") -> str:
    """The id of a staff member of another branch."""
    return other_branch_member(app, role)[0]


def code(result: dict) -> str | None:
    """The rejection code of a result (``None`` when applied)."""
    return result.get("error", {}).get("code") if result["status"] == "rejected" else None


def regional_officer(app: Any, client: Any) -> RoleClient:
    """A signed-in regional officer: the parent branch's functional department
    (分行相关职能部门), with no branch of its own (R-SEC-10: escalated cases only)."""
    from server.models.org import Staff
    from server.services.passwords import hash_password

    with app.app_context():
        now = app.extensions["clock"].now()
        db.session.add(Staff(employee_no="REGION-RO1", name="分行消保部", role="regional_officer", branch_id=None,
                             password_hash=hash_password(DEMO_PASSWORD), active=True, created_at=now, updated_at=now))
        db.session.commit()
    body = login(client, "REGION-RO1")
    return RoleClient(client, body["token"], body["staff"])
