"""The roster: planned shifts per post, maintained by admins and operations managers,
and the unstaffed posts found against it (R-SEC-2). REST services: they commit."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models.org import Branch, Staff
from ..models.shift import RosterShift, Shift
from ..rules import settings as FS
from ..rules import shift as rules
from ..rules.calendar import at_local, day_bounds, local_date
from ..sync_setup import record_delete, record_put
from .org import demo_member
from .shift import span


def _validate(branch: Branch, values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if values["post"] not in FS.value(branch.settings, "shift_posts"):
        errors["post"] = [f"Not a post of this branch: {values['post']!r}."]
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = ["Must be after starts_at."]
    staff_id = values.get("staff_id")
    if staff_id is not None:
        staff = db.session.get(Staff, staff_id)
        if staff is None or staff.branch_id != branch.id or not staff.active:
            errors["staff_id"] = ["Not an active member of this branch."]
        elif rules.post_refusal(branch.settings, values["post"], staff.role):
            errors["staff_id"] = [f"A {staff.role} does not staff the {values['post']} post."]
    if errors:
        raise ValidationFailed(errors)


def create(branch: Branch, actor: Staff, values: dict[str, Any], now: datetime) -> RosterShift:
    """Plan a shift (R-SEC-2); 422 on an unknown post, an empty span or a stranger."""
    _validate(branch, values)
    row = RosterShift(branch_id=branch.id, created_by=actor.id, created_at=now, updated_at=now,
                      notes=values.get("notes") or "", written_as=actor.role, post=values["post"], staff_id=values.get("staff_id"),
                      starts_at=values["starts_at"], ends_at=values["ends_at"])
    db.session.add(row)
    db.session.flush()
    record_put("roster_shift", row)
    db.session.commit()
    return row


def get(branch: Branch, roster_id: uuid.UUID) -> RosterShift:
    """A planned shift of the branch, else 404."""
    row = db.session.get(RosterShift, roster_id)
    if row is None or row.branch_id != branch.id:
        raise NotFound(f"No planned shift {roster_id} in this branch.")
    return row


def update(branch: Branch, actor: Staff, roster_id: uuid.UUID, changes: dict[str, Any], now: datetime) -> RosterShift:
    """Change a planned shift; the result is validated as a whole. New ``notes`` are
    ``actor``'s (their role decides who reads them, R-SEC-10)."""
    row = get(branch, roster_id)
    if "notes" in changes:
        row.written_as = actor.role
    values = {k: getattr(row, k) for k in ("post", "staff_id", "starts_at", "ends_at", "notes")} | changes
    _validate(branch, values)
    for key, value in values.items():
        setattr(row, key, value if key != "notes" else (value or ""))
    row.updated_at = now
    record_put("roster_shift", row)
    db.session.commit()
    return row


def delete(branch: Branch, roster_id: uuid.UUID) -> None:
    """Remove a planned shift; devices holding it get a delete."""
    row = get(branch, roster_id)
    record_delete("roster_shift", row.id)
    db.session.delete(row)
    db.session.commit()


def list_between(branch: Branch, start: datetime, end: datetime, post: str | None = None) -> list[RosterShift]:
    """Planned shifts overlapping ``[start, end)``, by start time."""
    q = select(RosterShift).where(RosterShift.branch_id == branch.id, RosterShift.starts_at < end,
                                  RosterShift.ends_at > start)
    if post:
        q = q.where(RosterShift.post == post)
    return list(db.session.scalars(q.order_by(RosterShift.starts_at, RosterShift.post)))


def unstaffed(branch: Branch, now: datetime) -> list[rules.UnstaffedPost]:
    """Posts planned to be staffed now whose shift nobody started in time (R-SEC-2),
    with the branch's grace and early-start settings."""
    grace = timedelta(minutes=FS.value(branch.settings, "unstaffed_grace_minutes"))
    early = timedelta(minutes=FS.value(branch.settings, "shift_early_start_minutes"))
    planned = list_between(branch, now - timedelta(days=1), now + timedelta(seconds=1))
    if not planned:
        return []
    earliest = min(p.starts_at for p in planned) - early
    shifts = db.session.scalars(
        select(Shift).where(Shift.branch_id == branch.id, Shift.happened_at >= earliest, Shift.happened_at <= now)
    ).all()
    roster = [rules.PlannedShift(p.id, p.post, p.starts_at, p.ends_at, p.staff_id) for p in planned]
    return rules.unstaffed_posts(roster, [span(s) for s in shifts], now, grace, early)

#: (post, staff suffix or None, local start, local end; "24:00" is next midnight).
DEMO_ROSTER = (
    ("security", "G1", "08:00", "16:00"),
    ("security", "G2", "16:00", "24:00"),
    ("cleaning", "C1", "08:00", "17:00"),
    ("onsite", "O1", "09:00", "17:00"),
)
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
            staff = demo_member(branch, suffix)
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




def seed_demo_roster(branch: Branch, now: datetime) -> dict[str, Any]:
    """Demo seeder: today's roster (R-SEC-2), made once; ``{"roster": [...]}``."""
    return {"roster": _roster(branch, now)}
