"""The on-site contractor registry (R-SEC-8): admins and operations managers register,
change and revoke badges. REST services: they commit, and publish to pulls."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models.contractor import VISIT_ON_SITE, Contractor, ContractorVisit
from ..models.org import Branch, Staff
from ..rules import roles as R
from ..sync_setup import record_put

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
