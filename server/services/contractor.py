"""Contractors (R-SEC-8, R-SEC-9): the registry that admins and operations managers keep
over REST (these commit and publish to pulls), check-in/out run by mutators inside a push,
and the lists of visits."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sync import Principal, TimeAttribution

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models.contractor import VISIT_LEFT, VISIT_ON_SITE, Contractor, ContractorVisit
from ..models.org import Branch, Staff
from ..rules import contractor as rules
from ..rules import roles as R
from ..rules.calendar import local_date
from ..sync_setup import record_put
from .listing import page
from .mutation import Affected, branch_of, ensure_new, reject
from .org import demo_member

FIELDS = ("name", "employer", "badge_no", "scope", "scope_note", "valid_from", "valid_to", "staff_id")


def _validate(branch: Branch, values: dict[str, Any], current: Contractor | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if values["valid_to"] < values["valid_from"]:
        errors["valid_to"] = ["Must not be before valid_from."]
    staff_id = values.get("staff_id")
    if staff_id is not None:
        staff = db.session.get(Staff, staff_id)
        if staff is None or staff.branch_id != branch.id or staff.role != R.ONSITE:
            errors["staff_id"] = ["Must be an on-site (onsite role) account of this branch."]
    if errors:
        raise ValidationFailed(errors)
    clash = db.session.scalar(
        select(Contractor.id).where(Contractor.branch_id == branch.id, Contractor.badge_no == values["badge_no"])
    )
    if clash is not None and (current is None or clash != current.id):
        raise Conflict(f"Badge {values['badge_no']} is already registered.", code="badge_taken")


def register(branch: Branch, values: dict[str, Any], now: datetime) -> Contractor:
    """Register a contractor and badge (R-SEC-8); 409 ``badge_taken`` on a reused number."""
    values = {k: values.get(k) for k in FIELDS} | {"badge_no": values["badge_no"].strip()}
    _validate(branch, values)
    row = Contractor(branch_id=branch.id, created_at=now, updated_at=now,
                     **{k: v for k, v in values.items() if k not in {"scope", "scope_note"}},
                     scope=list(values.get("scope") or []), scope_note=values.get("scope_note") or "")
    db.session.add(row)
    record_put("contractor", row)
    db.session.commit()
    return row


def get(branch: Branch, contractor_id: uuid.UUID) -> Contractor:
    """A contractor of the branch, else 404."""
    row = db.session.get(Contractor, contractor_id)
    if row is None or row.branch_id != branch.id:
        raise NotFound(f"No contractor {contractor_id} in this branch.")
    return row


def update(branch: Branch, contractor_id: uuid.UUID, changes: dict[str, Any], now: datetime) -> Contractor:
    """Change a registration (validity, scope, link to an ``onsite`` account, …)."""
    row = get(branch, contractor_id)
    values = {k: getattr(row, k) for k in FIELDS} | changes
    _validate(branch, values, row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    record_put("contractor", row)
    db.session.commit()
    return row


def revoke(branch: Branch, contractor_id: uuid.UUID, reason: str, now: datetime) -> Contractor:
    """Revoke a badge at once (R-SEC-8): later check-ins with it are refused. Idempotent."""
    row = get(branch, contractor_id)
    if row.revoked_at is None:
        row.revoked_at, row.revoked_reason, row.updated_at = now, reason, now
        record_put("contractor", row)
        db.session.commit()
    return row


def list_registry(branch: Branch, *, include_revoked: bool, limit: int, offset: int) -> tuple[list[Contractor], int]:
    """The branch's registry by name, a page of it and the total."""
    q = select(Contractor).where(Contractor.branch_id == branch.id)
    if not include_revoked:
        q = q.where(Contractor.revoked_at.is_(None))
    total = db.session.scalar(select(db.func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(q.order_by(Contractor.name, Contractor.id).limit(limit).offset(offset))
    return list(rows), total


def on_site(branch: Branch) -> list[ContractorVisit]:
    """Visits checked in and not yet out: who is on site now (R-SEC-8)."""
    return list(db.session.scalars(
        select(ContractorVisit)
        .where(ContractorVisit.branch_id == branch.id, ContractorVisit.status == VISIT_ON_SITE)
        .order_by(ContractorVisit.happened_at)
    ))

_MESSAGES = {
    "badge_unknown": "No badge {badge} is registered in this branch.",
    "badge_revoked": "Badge {badge} has been revoked.",
    "badge_expired": "Badge {badge} has expired.",
    "badge_not_yet_valid": "Badge {badge} is not valid yet.",
}


def registration_refusal(session: Session, branch: Branch, staff_id: uuid.UUID, at: datetime) -> str | None:
    """Why the ``onsite`` account ``staff_id`` may not work at ``at`` (R-SEC-8), or ``None``
    when any of its registrations in the branch is valid then; otherwise the first
    registration's refusal (``badge_unknown`` without one)."""
    regs = session.scalars(
        select(Contractor).where(Contractor.branch_id == branch.id, Contractor.staff_id == staff_id)
    ).all()
    on = local_date(at, branch.timezone)
    refusals = [rules.badge_refusal(c.badge(), on) for c in regs] or ["badge_unknown"]
    return None if None in refusals else refusals[0]


def check_in(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Check a contractor in by ``badge_no`` (R-SEC-8), from their own ``onsite`` device or
    a guard's at the door.

    Rejects ``badge_unknown``, ``badge_revoked``, ``badge_expired``,
    ``badge_not_yet_valid``, ``badge_not_yours`` (an onsite account scanning another's
    badge), ``outside_scope`` (the area is not in the badge's authorised scope),
    ``already_checked_in``, ``duplicate_record_id``.
    """
    branch = branch_of(session, who)
    ensure_new(session, ContractorVisit, args["visit_id"], "visit_id")
    badge_no = args["badge_no"].strip()
    # Locked so a guard's and the contractor's own check-in cannot both open a visit.
    contractor = session.scalar(
        select(Contractor).where(Contractor.branch_id == branch.id, Contractor.badge_no == badge_no).with_for_update()
    )
    refusal = rules.badge_refusal(contractor.badge() if contractor else None, local_date(times.happened_at, branch.timezone))
    if refusal:
        reject(refusal, _MESSAGES[refusal].format(badge=badge_no), rule="R-SEC-8", field="badge_no")
    if who.role == R.ONSITE and contractor.staff_id != who.staff_id:
        reject("badge_not_yours", "An on-site account checks in with its own badge only.", rule="R-SEC-8", field="badge_no")
    if rules.is_outside_scope(contractor.badge(), args.get("area")):
        reject("outside_scope", f"Badge {badge_no} is not authorised for {args['area']!r}.", rule="R-SEC-8", field="area")
    open_visit = session.scalar(
        select(ContractorVisit.id).where(ContractorVisit.contractor_id == contractor.id,
                                         ContractorVisit.status == VISIT_ON_SITE)
    )
    if open_visit is not None:
        reject("already_checked_in", f"Badge {badge_no} is already checked in (visit {open_visit}).",
               rule="R-SEC-8", field="badge_no")
    visit = ContractorVisit(
        id=args["visit_id"], branch_id=branch.id, contractor_id=contractor.id,
        contractor_staff_id=contractor.staff_id, contractor_name=contractor.name, employer=contractor.employer,
        badge_no=badge_no, area=args.get("area"), recorded_by=who.staff_id, status=VISIT_ON_SITE,
    )
    visit.stamp(times)
    session.add(visit)
    return [("contractor_visit", visit)]


def check_out(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """Check a contractor out of visit ``visit_id`` (R-SEC-8).

    Rejects ``visit_not_found``, ``not_visit_owner`` (an onsite account checking out
    someone else), ``visit_already_checked_out``, ``check_out_before_check_in``.
    """
    visit = session.get(ContractorVisit, args["visit_id"])
    if visit is None or visit.branch_id != who.branch_id:
        reject("visit_not_found", f"No visit {args['visit_id']} in this branch.", rule="R-SEC-8", field="visit_id")
    if who.role == R.ONSITE and visit.contractor_staff_id != who.staff_id:
        reject("not_visit_owner", "An on-site account checks out its own visits only.", rule="R-SEC-8", field="visit_id")
    if visit.status == VISIT_LEFT:
        reject("visit_already_checked_out", "This visit is already checked out.", rule="R-SEC-8", field="visit_id")
    if times.happened_at < visit.happened_at:
        reject("check_out_before_check_in", "A check-out cannot precede its check-in.", rule="R-SEC-8")
    visit.status, visit.checked_out_by = VISIT_LEFT, who.staff_id
    visit.checked_out_at, visit.checked_out_received_at = times.happened_at, times.received_at
    visit.check_out_clock_suspect = times.clock_suspect
    return [("contractor_visit", visit)]

def list_visits(branch: Branch, start: datetime, end: datetime, *, limit: int, offset: int, status: str | None = None,
           badge_no: str | None = None, **_: Any) -> dict[str, Any]:
    """Contractor visits that overlapped ``[start, end)`` (R-SEC-8), non-bank marked."""
    q = select(ContractorVisit).where(
        ContractorVisit.branch_id == branch.id, ContractorVisit.happened_at < end,
        or_(ContractorVisit.checked_out_at.is_(None), ContractorVisit.checked_out_at >= start))
    if status:
        q = q.where(ContractorVisit.status == status)
    if badge_no:
        q = q.where(ContractorVisit.badge_no == badge_no)
    q = q.order_by(ContractorVisit.happened_at, ContractorVisit.id)
    return page(q, limit, offset, lambda r: r.ContractorVisit.to_dict())

#: Days of validity around the seeding date: the valid badge, and how long ago the expired one ran out.
VALID_BADGE_DAYS, EXPIRED_BADGE_DAYS_AGO = 365, 1



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


def seed_demo_badges(branch: Branch, now: datetime) -> dict[str, Any]:
    """Demo seeder: the on-site account's badge and an expired one (R-SEC-8), idempotent;
    ``{"badges": {"onsite": no, "expired": no}}`` for the seed JSON."""
    today = local_date(now, branch.timezone)
    onsite = demo_member(branch, "O1")
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
    return {"badges": {"onsite": valid.badge_no, "expired": expired.badge_no}}
