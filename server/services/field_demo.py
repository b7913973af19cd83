"""Field ops part A in the demo branch: today's roster, the on-site account's badge and
an expired badge (R-SEC-2, R-SEC-8). Registered in ``services.demo.DEMO_EXTENSIONS``."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models.contractor import Contractor
from ..models.org import Branch, Staff
from ..models.shift import RosterShift
from ..rules import roles as R
from ..rules.field_time import at_local, day_bounds, local_date
from ..sync_setup import record_put

#: (post, staff suffix or None, local start, local end; "24:00" is next midnight).
DEMO_ROSTER = (
    ("security", "G1", "08:00", "16:00"),
    ("security", "G2", "16:00", "24:00"),
    ("cleaning", "C1", "08:00", "17:00"),
    ("onsite", "O1", "09:00", "17:00"),
)
#: Days of validity around the seeding date: the valid badge, and how long ago the expired one ran out.
VALID_BADGE_DAYS, EXPIRED_BADGE_DAYS_AGO = 365, 1


def _staff(branch: Branch, suffix: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(Staff.employee_no == f"{branch.code}-{suffix}"))


def _local(day: Any, hhmm: str, tz: str) -> datetime:
    if hhmm == "24:00":
        return at_local(day + timedelta(days=1), "00:00", tz)
    return at_local(day, hhmm, tz)


def _roster(branch: Branch, now: datetime) -> list[dict[str, Any]]:
    day = local_date(now, branch.timezone)
    start, end = day_bounds(day, branch.timezone)
    existing = db.session.scalars(
        select(RosterShift).where(RosterShift.branch_id == branch.id, RosterShift.starts_at >= start,
                                  RosterShift.starts_at < end).order_by(RosterShift.starts_at, RosterShift.post)
    ).all()
    if not existing:
        for post, suffix, begin, finish in DEMO_ROSTER:
            staff = _staff(branch, suffix)
            row = RosterShift(
                branch_id=branch.id, post=post, staff_id=staff.id if staff else None, notes="demo",
                starts_at=_local(day, begin, branch.timezone), ends_at=_local(day, finish, branch.timezone),
                created_at=now, updated_at=now,
            )
            db.session.add(row)
            db.session.flush()
            record_put("roster_shift", row)
        return _roster(branch, now)
    return [r.to_dict() for r in existing]


def _badge(branch: Branch, badge_no: str, now: datetime, **values: Any) -> Contractor:
    row = db.session.scalar(select(Contractor).where(Contractor.branch_id == branch.id, Contractor.badge_no == badge_no))
    if row is None:
        row = Contractor(branch_id=branch.id, badge_no=badge_no, created_at=now)
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.revoked_at, row.revoked_reason, row.updated_at = None, None, now
    db.session.flush()
    record_put("contractor", row)
    return row


def seed_field_demo(branch: Branch, now: datetime) -> dict[str, Any]:
    """Make (idempotently) today's roster and the demo badges; returns
    ``{"roster": [...], "badges": {"onsite": no, "expired": no}}`` for the seed JSON."""
    today = local_date(now, branch.timezone)
    onsite = _staff(branch, "O1")
    valid = _badge(
        branch, f"{branch.code}-BADGE-O1", now, name=onsite.name if onsite else "赵工 Zhao",
        employer="鑫安设备维保公司 ATM Service Co.", staff_id=onsite.id if onsite and onsite.role == R.ONSITE else None,
        scope=["atm", "self_service"], scope_note="ATM 维护 ATM maintenance",
        valid_from=today - timedelta(days=VALID_BADGE_DAYS), valid_to=today + timedelta(days=VALID_BADGE_DAYS),
    )
    expired = _badge(
        branch, f"{branch.code}-BADGE-X1", now, name="钱师傅 Qian", employer="洁达保洁公司 CleanCo", staff_id=None,
        scope=["lobby"], scope_note="外包保洁 outsourced cleaning",
        valid_from=today - timedelta(days=VALID_BADGE_DAYS), valid_to=today - timedelta(days=EXPIRED_BADGE_DAYS_AGO),
    )
    return {"roster": _roster(branch, now), "badges": {"onsite": valid.badge_no, "expired": expired.badge_no}}
