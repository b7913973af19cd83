"""The compliance engine's reads (#14): a branch's day as the contract answers it, the
regional officer's view of every branch, and supervisors' "today at a glance".

They read stored verdicts: the engine and the push keep them current.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models.base import iso
from ..models.compliance import Obligation
from ..models.org import Branch, Staff
from ..models.patrol import Patrol
from ..rules import calendar as RCAL
from ..rules import compliance as RC
from .compliance_window import day_bounds, local_date
from .duty import SELF_SERVICE, device_mark


def day_report(branch: Branch, day: date, now: datetime) -> dict[str, Any]:
    """The contract's compliance answer for one branch and local day (sync-protocol
    "Compliance, as seen from outside"), plus each device's watermark and the R-SEC-5 day
    summary (hour coverage, longest unwatched stretch). Reads stored verdicts: the engine
    and the push keep them current."""
    from ..sync_setup import engine

    rows = list(db.session.scalars(
        select(Obligation).where(Obligation.branch_id == branch.id, Obligation.business_date == day)
        .order_by(Obligation.rule, Obligation.window_start, Obligation.subject_id)
    ))
    hours = [r for r in rows if r.rule == RC.PATROL]
    lo, hi = day_bounds(branch, day)
    seen = list(db.session.scalars(select(Patrol.happened_at).where(
        Patrol.branch_id == branch.id, Patrol.area == SELF_SERVICE, Patrol.happened_at >= lo, Patrol.happened_at < hi)))
    stretch = RC.longest_unwatched([(h.window_start, h.window_end) for h in hours], seen, now)
    met = sum(1 for h in hours if h.status in RC.DONE)
    return {
        "date": day.isoformat(),
        "branch_id": str(branch.id),
        "obligations": [contract_dict(r) for r in rows],
        "devices": [device_mark(c) for c in engine().clients(db.session, branch_id=branch.id)],
        "patrol": {
            "hours": len(hours), "hours_met": met,
            "coverage": None if not hours else round(met / len(hours), 4),
            "longest_unwatched_minutes": 0 if stretch is None else int((stretch[1] - stretch[0]).total_seconds() // 60),
            "longest_unwatched": None if stretch is None else {"from": iso(stretch[0]), "to": iso(stretch[1])},
        },
    }


def contract_dict(row: Obligation) -> dict[str, Any]:
    """One obligation as the contract lists it (``rule``, ``subject``, window, ``due_at``,
    ``status``, ``evidence``), with the rule version, the clock flag and the detail."""
    d = row.to_dict()
    return {k: d[k] for k in ("id", "rule", "rule_version", "subject", "window_start", "window_end", "due_at",
                              "status", "verdict", "evidence", "clock_suspect", "detail")}


def regional_report(day: date) -> dict[str, Any]:
    """Every branch's obligations of local ``day`` counted by rule and status (the regional
    officer's view): one grouped statement."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for branch_id, rule, status, n in db.session.execute(
        select(Obligation.branch_id, Obligation.rule, Obligation.status, func.count())
        .where(Obligation.business_date == day).group_by(Obligation.branch_id, Obligation.rule, Obligation.status)
    ):
        counts[str(branch_id)][rule][status] = n
    branches = db.session.execute(select(Branch.id, Branch.code, Branch.name).order_by(Branch.code)).all()
    return {"date": day.isoformat(), "branches": [
        {"branch_id": str(b.id), "code": b.code, "name": b.name, "rules": counts.get(str(b.id), {})} for b in branches
    ]}


def branch_day(actor: Staff, branch_id: uuid.UUID, day: date, now: datetime) -> dict[str, Any]:
    """:func:`day_report` for a reader of the branch's obligations (the permission table):
    ``Forbidden`` for a role that never reads them, ``NotFound`` for another branch."""
    from .incident import readable_branch

    return day_report(readable_branch(actor, branch_id, "obligation"), day, now)


def regional_day(actor: Staff, day: date) -> dict[str, Any]:
    """:func:`regional_report` for the parent branch's department (``regional_officer``) and
    administrators without a branch; ``Forbidden`` for everyone else."""
    from ..errors import Forbidden

    if actor.role != "regional_officer" and not (actor.role == "admin" and actor.branch_id is None):
        raise Forbidden("The regional view is for the parent branch's departments.")
    return regional_report(day)


def today(actor: Staff, branch_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Supervisors' "today at a glance": the patrol hour grid with statuses, the day's
    other obligations, the box session's state (``box``), the open complaints with their
    nearest deadline (``complaints``), open alerts routed to the actor's role, and the
    rejected mutations of the branch waiting for review. Nothing in it is customer data
    (R-SEC-10): the box and the cases are counts, states and deadlines."""
    from ..models.alert import Alert
    from ..sync_setup import engine
    from .incident import readable_branch

    branch = readable_branch(actor, branch_id, "obligation")
    report = day_report(branch, local_date(branch, now), now)
    grid = [{"hour": RCAL.local_clock(datetime.fromisoformat(o["window_start"]), branch.timezone),
             "status": o["status"], "due_at": o["due_at"], "evidence": o["evidence"]}
            for o in report["obligations"] if o["rule"] == RC.PATROL]
    alerts = [a.to_dict() for a in db.session.scalars(
        select(Alert).where(Alert.branch_id == branch.id, Alert.resolved_at.is_(None)).order_by(Alert.raised_at))
        if actor.role in (a.roles or ())]
    # Only what identifies each rejected mutation: its args may carry customer data (R-SEC-10);
    # the full record is in the supervisors' rejected-mutations list.
    rejected = [{k: m[k] for k in ("client_id", "id", "name", "staff_id", "received_at", "happened_at")}
                | {"code": (m["error"] or {}).get("code")}
                for m in engine().list_mutations(db.session, branch_id=branch.id, status="rejected", limit=50)]
    return {
        "date": report["date"], "branch_id": report["branch_id"], "timezone": branch.timezone,
        "patrol_hours": grid, "patrol": report["patrol"],
        "obligations": [o for o in report["obligations"] if o["rule"] != RC.PATROL],
        "box": box_glance(branch, local_date(branch, now), report["obligations"]),
        "complaints": open_complaints(branch, now),
        "alerts": alerts, "rejected_mutations": {"count": len(rejected), "items": rejected},
        "devices": report["devices"],
    }


def box_glance(branch: Branch, day: date, day_obligations: list[dict[str, Any]]) -> dict[str, Any]:
    """The evening box of local ``day`` at a glance (R-BOX-1..3): its R-BOX-1 obligation
    (``status``, ``due_at``; ``None`` on a day without business), the session's state
    (``None`` until it is opened) and the entries' counts: how many still need a reply
    (R-BOX-2) and a callback (R-BOX-3). Two statements."""
    from ..models.suggestion import BoxEntry, BoxSession
    from ..rules import suggestion as SR

    box = db.session.scalar(select(BoxSession).where(BoxSession.branch_id == branch.id,
                                                     BoxSession.business_date == day))
    entries = db.session.execute(select(BoxEntry.reply_text.is_(None), BoxEntry.callback_status).where(
        BoxEntry.branch_id == branch.id, BoxEntry.business_date == day)).all()
    opened = next((o for o in day_obligations if o["rule"] == RC.BOX_OPEN), None)
    return {
        "business_date": day.isoformat(),
        "status": opened["status"] if opened else None,
        "due_at": opened["due_at"] if opened else None,
        "session": None if box is None else {
            "id": str(box.id), "status": box.status, "opened_late": box.opened_late, "opened_at": iso(box.happened_at),
            "closed_at": iso(box.end_happened_at), "slip_count": box.slip_count, "empty": box.empty,
        },
        "entries": len(entries),
        "replies_missing": sum(1 for no_reply, _c in entries if no_reply),
        "callbacks_open": sum(1 for _r, c in entries if c not in (SR.NOT_NEEDED, *SR.FINAL_OUTCOMES)),
    }


def open_complaints(branch: Branch, now: datetime) -> dict[str, Any]:
    """The branch's open complaint cases, nearest deadline first (cases whose deadline is
    unknown last, saying so): per case its channel, level, owner, ``due_at`` with the clock
    it comes from, ``overdue``, and ``deadline_unknown`` ("deadline unknown: the 2027
    calendar is not loaded", never a guess). No customer field (R-SEC-10). One statement."""
    from ..models.complaint import Complaint
    from ..rules.calendar import unknown_message

    cols = (Complaint.id, Complaint.channel, Complaint.level, Complaint.owner_role, Complaint.owner_id,
            Complaint.happened_at, Complaint.due_at, Complaint.due_clock, Complaint.deadline_unknown_year)
    rows = db.session.execute(select(*cols).where(Complaint.branch_id == branch.id, Complaint.status == "open")).all()
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda c: (c.due_at is None, c.due_at or far, c.happened_at, str(c.id)))
    items = [{
        "id": str(c.id), "channel": c.channel, "level": c.level, "owner_role": c.owner_role,
        "owner_id": str(c.owner_id) if c.owner_id else None, "opened_at": iso(c.happened_at),
        "due_at": iso(c.due_at), "due_clock": c.due_clock, "overdue": c.due_at is not None and c.due_at <= now,
        "deadline_unknown": unknown_message(c.deadline_unknown_year) if c.deadline_unknown_year else None,
    } for c in rows]
    return {"count": len(items), "nearest_due_at": items[0]["due_at"] if items else None, "items": items}
