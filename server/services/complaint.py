"""Complaint cases (R-CMP-1..9): the ``complaint.*`` mutations, and the clocks' refresh.

Each ``record_*`` takes ``(session, who, times, args)`` and returns what it changed
(``Affected``); it never commits. Every change is appended as a :class:`ComplaintEvent`;
contacts and notes are always appended (two devices never lose each other's work), while
a state change (hand-over, escalation, promise, extension, resolution) must still make
sense when it arrives: a stale one is rejected with a code saying what happened
(``case_escalated``, ``case_handed_over``, ``case_already_resolved``), and the engine keeps
the device's text in the rejected mutation.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync import Batch, Principal, TimeAttribution

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models.base import iso
from ..models.complaint import Complaint, ComplaintEvent
from ..models.org import Branch, Staff
from ..rules import calendar as RC
from ..rules import complaint as CR
from ..rules import complaint_codes as CODES
from ..rules import permissions as P
from ..rules import roles as R
from ..rules.settings import value
from ..rules.calendar import day_bounds
from . import calendar as calendar_service
from . import complaint_codes as code_service
from .mutation import Affected, branch_of, branch_row, ensure_new, found, reject

#: State events that move the case away from its owner (what a stale change meets).
_MOVES = {"routed": "escalated", "escalated": "escalated", "handed_over": "handed_over", "resolved": "resolved"}


def _refuse(refusal: CR.ComplaintRefusal) -> NoReturn:
    reject(refusal.code, refusal.message, rule=refusal.rule, errors={k: [v] for k, v in refusal.detail.items()})


def _event(case: Complaint, who: Principal, times: TimeAttribution, kind: str, **fields: Any) -> ComplaintEvent:
    event = ComplaintEvent(id=fields.pop("event_id", None) or uuid.uuid4(), complaint_id=case.id,
                           branch_id=case.branch_id, kind=kind, actor_id=who.staff_id, version=case.version, **fields)
    event.stamp(times)
    case.events.append(event)
    case.updated_at = times.received_at
    return event


def refresh_clocks(case: Complaint, branch: Branch) -> None:
    """Recompute both clocks of ``case`` from the branch's settings and the calendar as
    loaded now; a deadline needing an unloaded year stays unknown (never guessed)."""
    facts = CR.CaseFacts(
        channel=case.channel, taker_level=case.taker_level, opened_at=case.happened_at,
        settled=case.settled_on_contact, promised_reply_at=case.promised_reply_at, consumer=case.consumer,
        complex=case.complex, extended=case.extension_approved_by is not None,
        paused=timedelta(seconds=case.paused_seconds),
    )
    settings = {k: value(branch.settings, k) for k in CR.CLOCK_SETTINGS}
    c = CR.clocks(facts, settings, calendar_service.working_calendar(), branch.business_hours or {}, branch.timezone,
                  value(branch.settings, "adjusted_workday_hours"))
    case.handoff_due_at, case.handoff_to = c.handoff_due_at, c.handoff_to
    case.reply_due_at, case.reply_due_calendar = _due(c.reply_due)
    case.regulator_due_at, case.regulator_due_calendar = _due(c.regulator_due)
    case.due_at, case.due_clock, case.deadline_unknown_year = c.due_at, c.due_clock, c.unknown_year


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(timezone.utc)


def _due(due: RC.Deadline | RC.Unknown | None) -> tuple[datetime | None, str | None]:
    if isinstance(due, RC.Deadline):
        return due.due_at, due.calendar
    return None, (due.message if isinstance(due, RC.Unknown) else None)


def record_open(
    session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *, entry_id: uuid.UUID | None = None,
    batch: Batch | None = None,
) -> Affected:
    """``complaint.open`` (R-CMP-3): the intake form, routed at once by channel (R-CMP-6..9).

    The taker is the first-contact owner (首问责任人) unless the channel's rule sends the
    case on at once (recorded as a ``routed`` event with the rule). Rejections:
    ``duplicate_record_id``, ``not_a_taker``, ``hotline_ticket_required``, ``unknown_code``.
    ``batch``: the optimistic run's (:func:`~server.services.mutation.ensure_new`).
    """
    branch = branch_of(session, who)
    ensure_new(session, Complaint, args["complaint_id"], "complaint_id", batch=batch)
    try:
        start = CR.taker_level(who.role)
        route = CR.route(args["channel"], settled=bool(args.get("settled")), hotline_ticket=args.get("hotline_ticket"))
    except CR.ComplaintRefusal as refusal:
        _refuse(refusal)
    codes = {
        "channel": args.get("jrt_channel") or CODES.CHANNEL_DEFAULTS[args["channel"]],
        "business": args.get("jrt_business") or CODES.OTHER,
        "cause": args.get("jrt_cause") or CODES.OTHER,
    }
    code_service.check_codes(session, codes)
    case = Complaint(
        id=args["complaint_id"], branch_id=branch.id, channel=args["channel"], summary=args["summary"],
        customer_name=args.get("customer_name"), contact=args.get("contact"), hotline_ticket=args.get("hotline_ticket"),
        entry_id=entry_id, taken_by=who.staff_id, taker_role=who.role, taker_level=start,
        settled_on_contact=bool(args.get("settled")), level=start, owner_role=who.role, owner_id=who.staff_id,
        escalated=False, status=CR.OPEN, version=1, jrt_channel=codes["channel"], jrt_business=codes["business"],
        jrt_cause=codes["cause"], consumer=args.get("consumer", True), complex=bool(args.get("complex")),
        paused_seconds=0, report_to_regulator=route.report_to_regulator,
        promised_reply_at=_utc(args.get("promised_reply_at")), updated_at=times.received_at, events=[],
    )
    case.stamp(times)
    _event(case, who, times, "opened", to_level=start, rule="R-CMP-3", text=args["summary"])
    if route.level is not None and CR.level_index(route.level) > CR.level_index(start):
        case.version += 1
        _event(case, who, times, "routed", from_level=start, to_level=route.level, rule=route.rule, reason=route.reason)
        case.level, case.owner_role, case.owner_id, case.escalated = route.level, CR.LEVEL_ROLES[route.level], None, True
    refresh_clocks(case, branch)
    session.add(case)
    return [("complaint", case)]


def _case(session: Session, who: Principal, complaint_id: uuid.UUID) -> Complaint:
    case = found(session, Complaint, complaint_id)
    if case is None or not is_party(who.role, who.branch_id, case):
        reject("unknown_complaint", "No such complaint case for you.", field="complaint_id")
    return case


def is_party(role: str, branch_id: uuid.UUID | None, case: Complaint) -> bool:
    """Whether ``role`` of ``branch_id`` works on (and may read) ``case`` (R-SEC-10):
    customer-data roles of its branch; regional officers once it reached their level."""
    if role == R.REGIONAL_OFFICER:
        return case.level == "regional_officer"
    return role in R.CUSTOMER_DATA_ROLES and case.branch_id == branch_id


def _is_owner(case: Complaint, who: Principal) -> bool:
    return who.role == case.owner_role and case.owner_id in (None, who.staff_id)


def _check_state_change(case: Complaint, who: Principal, seen_version: int | None) -> None:
    """A state change must still make sense: refuse with what happened meanwhile."""
    current = {"version": [str(case.version)], "level": [case.level], "status": [case.status]}
    if case.status == CR.RESOLVED:
        reject("case_already_resolved", "The case was resolved meanwhile.", rule="R-CMP-3", errors=current)
    since = seen_version if seen_version is not None else 0
    moves = [e for e in case.events if e.kind in _MOVES and e.version > since]
    if seen_version is not None and moves and seen_version < case.version:
        last = moves[-1]
        reject(CR.stale_code(_MOVES[last.kind]), f"The case was {_MOVES[last.kind].replace('_', ' ')} "
               f"(version {last.version}) after the version {seen_version} you acted on.", rule="R-CMP-2", errors=current)
    if not _is_owner(case, who):
        moved_from_me = [e for e in moves if CR.role_of_level(e.from_level or "taker", case.taker_role) == who.role]
        code = CR.stale_code(_MOVES[moved_from_me[-1].kind]) if moved_from_me else "not_owner"
        reject(code, "Only the case's owner changes its state; ownership moves by hand-over.", rule="R-CMP-2",
               errors=current)


def _staff(session: Session, staff_id: uuid.UUID, role: str, case: Complaint) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.role != role or (
        role != R.REGIONAL_OFFICER and staff.branch_id != case.branch_id
    ):
        reject("unknown_staff", f"No active {role} of the case's branch has that id.", field="to_staff_id")
    return staff


def record_escalate(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.escalate`` (R-CMP-4): one level up; skipping needs ``skip_level`` and a
    reason, and is marked. Rejections: ``unknown_complaint``, ``not_owner``,
    ``case_escalated``, ``case_handed_over``, ``case_already_resolved``, ``unknown_level``,
    ``not_higher``, ``level_skipped``, ``skip_reason_required``, ``not_a_skip``, ``unknown_staff``."""
    case = _case(session, who, args["complaint_id"])
    _check_state_change(case, who, args.get("seen_version"))
    try:
        step = CR.check_escalation(case.level, args["to_role"], skip_level=args["skip_level"], reason=args.get("reason"))
    except CR.ComplaintRefusal as refusal:
        _refuse(refusal)
    role = CR.LEVEL_ROLES[step.to_level]
    to_staff = _staff(session, args["to_staff_id"], role, case).id if args.get("to_staff_id") else None
    case.version += 1
    _event(case, who, times, "escalated", event_id=args.get("event_id"), from_level=step.from_level,
           to_level=step.to_level, to_staff_id=to_staff, skipped=",".join(step.skipped), rule="R-CMP-4",
           reason=args.get("reason"))
    case.level, case.owner_role, case.owner_id, case.escalated = step.to_level, role, to_staff, True
    return [("complaint", case)]


def record_handover(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.handover`` (R-CMP-2): ownership moves to a colleague at the same level,
    only this way. Rejections: those of escalation's state check, ``unknown_staff``."""
    case = _case(session, who, args["complaint_id"])
    _check_state_change(case, who, args.get("seen_version"))
    to_staff = _staff(session, args["to_staff_id"], case.owner_role, case)
    case.version += 1
    _event(case, who, times, "handed_over", event_id=args.get("event_id"), from_level=case.level, to_level=case.level,
           to_staff_id=to_staff.id, rule="R-CMP-2", reason=args.get("reason"))
    case.owner_id = to_staff.id
    return [("complaint", case)]


def record_promise(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.promise`` (R-CMP-2): the reply time promised to the customer; a manual clock."""
    case = _case(session, who, args["complaint_id"])
    _check_state_change(case, who, args.get("seen_version"))
    case.version += 1
    case.promised_reply_at = _utc(args["reply_due_at"])
    _event(case, who, times, "promised", event_id=args.get("event_id"), rule="R-CMP-2",
           text=iso(case.promised_reply_at))
    refresh_clocks(case, branch_row(session, case.branch_id))
    return [("complaint", case)]


def record_extend(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.extend``: mark a complex case, or extend the regulator's clock by the
    further period with the approver recorded and the customer told. Rejections:
    ``customer_not_told``, ``unknown_staff`` (approver: a branch president or regional officer)."""
    case = _case(session, who, args["complaint_id"])
    _check_state_change(case, who, args.get("seen_version"))
    if args.get("approved_by"):
        if not args.get("customer_told"):
            reject("customer_not_told", "An extension is recorded once the customer is told.", field="customer_told")
        approver = session.get(Staff, args["approved_by"])
        if approver is None or approver.role not in (R.BRANCH_PRESIDENT, R.REGIONAL_OFFICER):
            reject("unknown_staff", "The approver is a branch president or a regional officer.", field="approved_by")
        case.extension_approved_by, case.extension_customer_told = approver.id, True
    case.complex = case.complex or bool(args.get("complex"))
    case.version += 1
    _event(case, who, times, "extended", event_id=args.get("event_id"), reason=args.get("reason"))
    refresh_clocks(case, branch_row(session, case.branch_id))
    return [("complaint", case)]


def record_appraisal(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.appraisal``: external appraisal starts or ends; its time stops the
    regulator's clock. Rejections: ``appraisal_state`` (start twice, end without start)."""
    case = _case(session, who, args["complaint_id"])
    _check_state_change(case, who, args.get("seen_version"))
    if (args["state"] == "start") == (case.appraisal_since is not None):
        reject("appraisal_state", f"The appraisal cannot {args['state']} now.", field="state")
    if args["state"] == "start":
        case.appraisal_since = times.happened_at
    else:
        case.paused_seconds += max(0, int((times.happened_at - case.appraisal_since).total_seconds()))
        case.appraisal_since = None
    case.version += 1
    _event(case, who, times, "appraisal", event_id=args.get("event_id"), text=args["state"], reason=args.get("reason"))
    refresh_clocks(case, branch_row(session, case.branch_id))
    return [("complaint", case)]


def record_resolve(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.resolve`` (R-CMP-3): resolution and the customer's response. Rejections:
    ``not_owner``, ``case_escalated``, ``case_handed_over``, ``case_already_resolved``."""
    case = _case(session, who, args["complaint_id"])
    _check_state_change(case, who, args.get("seen_version"))
    case.version += 1
    case.status, case.resolution, case.customer_response = CR.RESOLVED, args["resolution"], args["customer_response"]
    case.resolved_by, case.resolved_at = who.staff_id, times.happened_at
    _event(case, who, times, "resolved", event_id=args.get("event_id"), text=args["resolution"], rule="R-CMP-3")
    return [("complaint", case)]


def record_contact(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``complaint.contact`` / ``complaint.note`` / ``complaint.report``: appended, never
    refused for staleness (also on a resolved case). ``report`` is the report back to the
    regulator (R-CMP-7). Rejections: ``unknown_complaint``, ``duplicate_record_id``."""
    case = _case(session, who, args["complaint_id"])
    if args.get("event_id"):
        ensure_new(session, ComplaintEvent, args["event_id"], "event_id")
    kind = args["kind"]
    _event(case, who, times, kind, event_id=args.get("event_id"), text=args["text"],
           rule="R-CMP-7" if kind == "reported" else None)
    if kind == "reported":
        case.regulator_reported_at = case.regulator_reported_at or times.happened_at
    return [("complaint", case)]


def refresh_unknown_deadlines(year: int) -> list[Complaint]:
    """After ``year``'s calendar is loaded: recompute every case whose deadline waited for
    it (``deadline_unknown_year``), in ``db.session`` (the caller commits and publishes)."""
    cases = list(db.session.scalars(select(Complaint).where(Complaint.deadline_unknown_year == year)))
    branches = {b.id: b for b in db.session.scalars(select(Branch).where(Branch.id.in_({c.branch_id for c in cases})))}
    for case in cases:
        refresh_clocks(case, branches[case.branch_id])
    return cases



def list_cases(actor: Staff, branch_id: uuid.UUID, query: dict[str, Any]) -> dict[str, Any]:
    """A page of the branch's cases, newest intake first: ``?status=open|resolved|all``,
    ``?date=`` (branch-local intake date), ``?channel=``, ``?overdue=true`` (``due_at``
    passed, still open; ``now`` in ``query``). Customer-data roles of the branch read them;
    regional officers only the cases escalated to them (R-SEC-10). Raises
    :class:`Forbidden` / :class:`NotFound`."""
    branch = _readable(actor, branch_id)
    q = select(Complaint).where(Complaint.branch_id == branch.id)
    if actor.role == R.REGIONAL_OFFICER:
        q = q.where(Complaint.level == "regional_officer")
    if query.get("status", "all") != "all":
        q = q.where(Complaint.status == query["status"])
    if query.get("channel"):
        q = q.where(Complaint.channel == query["channel"])
    if query.get("date"):
        start, end = day_bounds(query["date"], branch.timezone)
        q = q.where(Complaint.happened_at >= start, Complaint.happened_at < end)
    if query.get("overdue"):
        q = q.where(Complaint.status == CR.OPEN, Complaint.due_at < query["now"])
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(db.session.scalars(q.order_by(Complaint.happened_at.desc(), Complaint.id)
                                   .limit(query["limit"]).offset(query["offset"])))
    more = query["offset"] + len(rows) < total
    return {"items": [c.to_dict() for c in rows], "total": total, "limit": query["limit"], "offset": query["offset"],
            "next_offset": query["offset"] + query["limit"] if more else None}


def get_case(actor: Staff, branch_id: uuid.UUID, complaint_id: uuid.UUID) -> Complaint:
    """One case with its events, if ``actor`` may read it (else Forbidden / NotFound)."""
    branch = _readable(actor, branch_id)
    case = db.session.get(Complaint, complaint_id)
    if case is None or case.branch_id != branch.id or not is_party(actor.role, actor.branch_id, case):
        raise NotFound("No such complaint case.")
    return case


def _readable(actor: Staff, branch_id: uuid.UUID) -> Branch:
    if actor.role not in P.COMPLAINT_WORKERS:
        raise Forbidden("Your role does not see complaint cases.")
    branch = db.session.get(Branch, branch_id)
    if branch is None or (actor.role != R.REGIONAL_OFFICER and actor.branch_id != branch_id):
        raise NotFound("No such branch.")
    return branch
