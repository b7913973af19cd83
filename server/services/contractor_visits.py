"""Contractor check-in and check-out by badge (R-SEC-8), run by mutators inside a push.

A refused check-in (unknown, expired, not yet valid or revoked badge) is a *rejected*
mutation: the engine keeps the raw mutation with its error, actor and times, and the
error names the badge so supervisors can read the refusals from the branch's rejected
mutations. Nothing is written here for a refusal, since the mutation's savepoint is
rolled back.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.context import TimeAttribution
from sync.registry import Principal

from ..models.contractor import VISIT_LEFT, VISIT_ON_SITE, Contractor, ContractorVisit
from ..models.org import Branch
from ..rules import contractors as rules
from ..rules import roles as R
from ..rules.field_time import local_date
from .field_common import Affected, branch_of, ensure_new, reject

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


def check_in(session: Session, who: Principal, args: dict[str, Any], times: TimeAttribution) -> Affected:
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


def check_out(session: Session, who: Principal, args: dict[str, Any], times: TimeAttribution) -> Affected:
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
