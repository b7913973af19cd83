"""The lobby rules of the compliance engine (#14): the evening suggestion box (R-BOX-1..3)
and complaint deadlines (R-CMP-5's hand-off, R-CMP-6, R-CMP-2's promised reply, the
regulator's clock).

Set-based like ``duty.load``: :func:`load` reads the judged range's box sessions, entries,
callbacks, the cases still open or touched in the range with their replying events, and
the lobby staff, one statement each over every branch. The box rules are judged per
branch-local day (:func:`judge_box_day`); a case's deadlines by the case, on the day of its
intake (:func:`judge_cases`), whatever day its deadline falls on: its obligations stay in
the evaluation's scope (:func:`scope`) until they settle, so a 15-day clock never holds the
branch's days open.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Collection, Sequence

from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models.complaint import Complaint, ComplaintEvent, StatisticsFiling
from ..models.compliance import Obligation
from ..models.org import Branch, Staff
from ..models.suggestion import BoxCallback, BoxEntry, BoxSession
from ..rules import calendar as RCAL
from ..rules import complaint_compliance as CC
from ..rules import compliance as RC
from ..rules import settings as FS
from ..rules import suggestion as SR
from . import duty
from .compliance_window import hours_keys

#: Who opens the box and answers its entries (R-BOX-1..3): their phones decide
#: ``unconfirmed`` vs ``missed``.
BOX_ROLES = ("lobby_manager",)
#: Case events that reply to the customer or update them (R-CMP-6, R-CMP-2).
REPLY_EVENTS = ("contact", "resolved")
#: Case events that move it one level up: the hand-off of an oral complaint (R-CMP-5).
HANDOFF_EVENTS = ("routed", "escalated")
UTC = timezone.utc
_STAFF_ROLES = ("lobby_manager", "service_quality_officer", "operations_manager", "branch_president")


@dataclass
class LobbyInputs:
    """The lobby's records of one evaluation, grouped by branch (and day)."""

    sessions: dict[tuple[uuid.UUID, date], RC.Record] = field(default_factory=dict)
    filings: dict[tuple[uuid.UUID, date], RC.Record] = field(default_factory=dict)
    entries: dict[tuple[uuid.UUID, date], list[RC.BoxEntryRecord]] = field(default_factory=lambda: defaultdict(list))
    cases: dict[uuid.UUID, list[tuple[date, CC.CaseRecord, list[str]]]] = field(
        default_factory=lambda: defaultdict(list))
    staff: dict[tuple[uuid.UUID, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    #: The earliest intake day of a judged case (the scope of complaint obligations).
    first_case_day: date | None = None


def load(ids: Sequence[uuid.UUID], lo: datetime, first: date, last: date,
         families: Collection[str] | None = None, cases: Collection[uuid.UUID] | None = None) -> LobbyInputs:
    """One statement per kind of lobby record over every branch of ``ids``: for the
    ``box`` family, sessions, filings and entries of the business days ``first..last``
    (entries with their first callback); for ``cases``, every case still open, opened
    since ``lo`` or resolved since ``lo``, with its replying and promising events; the
    lobby staff for either (``families``: ``None`` is both). A family not asked for reads
    nothing (a push of box records re-judges no case, #17). ``cases``: only these of
    the cases so chosen (a push's complaint records re-judge their own cases)."""
    session = db.session
    out = LobbyInputs()
    if families is None or "box" in families:
        _load_box(out, ids, first, last)
    if families is None or "cases" in families:
        _load_cases(out, ids, lo, cases)
    for staff_id, branch_id, role in session.execute(
        select(Staff.id, Staff.branch_id, Staff.role)
        .where(Staff.branch_id.in_(ids), Staff.role.in_(_STAFF_ROLES), Staff.active.is_(True))
    ):
        out.staff[(branch_id, role)].append(str(staff_id))
    return out


def _load_box(out: LobbyInputs, ids: Sequence[uuid.UUID], first: date, last: date) -> None:
    session = db.session
    for s in session.execute(
        select(BoxSession.id, BoxSession.branch_id, BoxSession.business_date, BoxSession.happened_at,
               BoxSession.received_at, BoxSession.clock_suspect)
        .where(BoxSession.branch_id.in_(ids), BoxSession.business_date.between(first, last))
    ):
        out.sessions[(s.branch_id, s.business_date)] = RC.Record(str(s.id), s.happened_at, s.received_at,
                                                                 s.clock_suspect)
    for f in session.execute(
        select(StatisticsFiling.id, StatisticsFiling.branch_id, StatisticsFiling.business_date,
               StatisticsFiling.happened_at, StatisticsFiling.received_at, StatisticsFiling.clock_suspect)
        .where(StatisticsFiling.branch_id.in_(ids), StatisticsFiling.business_date.between(first, last))
    ):
        out.filings[(f.branch_id, f.business_date)] = RC.Record(str(f.id), f.happened_at, f.received_at,
                                                                f.clock_suspect)
    calls: dict[uuid.UUID, RC.Record] = {}
    for c in session.execute(
        select(BoxCallback.id, BoxCallback.entry_id, BoxCallback.happened_at, BoxCallback.received_at,
               BoxCallback.clock_suspect)
        .join(BoxEntry, BoxEntry.id == BoxCallback.entry_id)
        .where(BoxEntry.branch_id.in_(ids), BoxEntry.business_date.between(first, last))
        .order_by(BoxCallback.entry_id, BoxCallback.attempt)
    ):
        calls.setdefault(c.entry_id, RC.Record(str(c.id), c.happened_at, c.received_at, c.clock_suspect))
    for e in session.execute(
        select(BoxEntry.id, BoxEntry.branch_id, BoxEntry.business_date, BoxEntry.happened_at, BoxEntry.contact,
               BoxEntry.replied_at, BoxEntry.reply_received_at)
        .where(BoxEntry.branch_id.in_(ids), BoxEntry.business_date.between(first, last))
    ):
        reply = None if e.replied_at is None else RC.Record(str(e.id), e.replied_at, e.reply_received_at)
        out.entries[(e.branch_id, e.business_date)].append(
            RC.BoxEntryRecord(str(e.id), e.happened_at, bool(e.contact), reply, calls.get(e.id)))


def _load_cases(out: LobbyInputs, ids: Sequence[uuid.UUID], lo: datetime,
                cases: Collection[uuid.UUID] | None) -> None:
    wanted = and_(Complaint.branch_id.in_(ids), or_(
        Complaint.status == "open", Complaint.happened_at >= lo, Complaint.resolved_at >= lo))
    if cases is not None:
        wanted = and_(wanted, Complaint.id.in_(sorted(cases)))
    events: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for ev in db.session.execute(
        select(ComplaintEvent.id, ComplaintEvent.complaint_id, ComplaintEvent.kind, ComplaintEvent.happened_at,
               ComplaintEvent.received_at, ComplaintEvent.clock_suspect)
        .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
        .where(wanted, ComplaintEvent.kind.in_((*REPLY_EVENTS, *HANDOFF_EVENTS, "promised")))
    ):
        events[ev.complaint_id].append(ev)
    cols = (Complaint.id, Complaint.branch_id, Complaint.channel, Complaint.settled_on_contact, Complaint.happened_at,
            Complaint.reply_due_at, Complaint.promised_reply_at, Complaint.consumer, Complaint.regulator_due_at,
            Complaint.deadline_unknown_year, Complaint.owner_id, Complaint.owner_role, Complaint.handoff_due_at)
    zones = dict(db.session.execute(select(Branch.id, Branch.timezone).where(Branch.id.in_(ids))).all())
    for c in db.session.execute(select(*cols).where(wanted)):
        evs = sorted(events.get(c.id, ()), key=lambda e: (e.happened_at, str(e.id)))
        rec = lambda e: RC.Record(str(e.id), e.happened_at, e.received_at, e.clock_suspect)  # noqa: E731
        promised = [e.happened_at for e in evs if e.kind == "promised"]
        resolved = next((rec(e) for e in evs if e.kind == "resolved"), None)
        case = CC.CaseRecord(
            str(c.id), c.happened_at, c.channel == "phone" and not c.settled_on_contact, c.reply_due_at,
            c.promised_reply_at, promised[-1] if promised else None, c.consumer, c.regulator_due_at,
            c.deadline_unknown_year, tuple(rec(e) for e in evs if e.kind in REPLY_EVENTS), resolved,
            c.handoff_due_at, tuple(rec(e) for e in evs if e.kind in HANDOFF_EVENTS))
        day = RCAL.local_date(c.happened_at, zones[c.branch_id])
        owners = [str(c.owner_id)] if c.owner_id else [f"role:{c.owner_role}"]
        out.cases[c.branch_id].append((day, case, owners))
        out.first_case_day = day if out.first_case_day is None else min(out.first_case_day, day)


def scope(ids: Sequence[uuid.UUID], lobby: LobbyInputs, last: date) -> Any:
    """The SQL condition on ``obligation`` of the judged cases' deadlines: the complaint
    rules' obligations of the branches from the earliest judged intake day (a range,
    whatever the number of branches); ``None`` when no case is judged."""
    if lobby.first_case_day is None:
        return None
    return (Obligation.branch_id.in_(list(ids)) & Obligation.rule.in_(CC.RULES)
            & Obligation.business_date.between(lobby.first_case_day, last))


def judge_box_day(
    branch: Branch, day: date, at: datetime, cal: RCAL.WorkingCalendar, inputs: duty.Inputs, lobby: LobbyInputs,
) -> list[RC.Verdict]:
    """R-BOX-1 on a business day (the box opened after close of business, by the branch's
    ``box_open_deadline``), R-CMP-10 on it (the day's forms and statistics filed, by
    ``statistics_filing_deadline``) and R-BOX-2/R-BOX-3 for every entry of the day (by
    ``box_entry_deadline``). A day whose hours need an unknown calendar year gets no
    R-BOX-1/R-CMP-10 obligation (the field rules report the year); its entries are still
    judged."""
    settings = branch.settings or {}
    mark = duty.watermark(inputs, [s for r in BOX_ROLES for s in lobby.staff.get((branch.id, r), ())])
    out: list[RC.Verdict] = []
    _guarded, business_key, _unknown = hours_keys(branch, day, cal)
    if business_key is not None and (branch.business_hours or {}).get(business_key):
        closes = SR.close_of_business(day, branch.close_of_business or {}, business_key, branch.timezone)
        due = RCAL.at_local(day, FS.value(settings, "box_open_deadline"), branch.timezone)
        out.append(RC.box_open_verdict(day, closes.astimezone(UTC), due, lobby.sessions.get((branch.id, day)),
                                       at, mark, branch_id=str(branch.id)))
        filed_by = RCAL.at_local(day, FS.value(settings, "statistics_filing_deadline"), branch.timezone)
        out.append(CC.statistics_verdict(day, closes.astimezone(UTC), filed_by, lobby.filings.get((branch.id, day)),
                                         at, mark, branch_id=str(branch.id)))
    entries = lobby.entries.get((branch.id, day))
    if entries:
        due = RCAL.at_local(day, FS.value(settings, "box_entry_deadline"), branch.timezone)
        out += RC.box_entry_verdicts(day, entries, due, at, mark)
    return out


def judge_cases(branch: Branch, at: datetime, inputs: duty.Inputs, lobby: LobbyInputs) -> list[RC.Verdict]:
    """The deadlines of the branch's judged cases taken since go-live; an owner that is a
    role is everyone holding it in the branch (their phones decide ``unconfirmed`` vs
    ``missed``)."""
    out: list[RC.Verdict] = []
    grace = timedelta(minutes=int(FS.value(branch, "complaint_handoff_grace_minutes")))  # R-CMP-5
    for day, case, owners in lobby.cases.get(branch.id, ()):
        if branch.go_live_date is None or day < branch.go_live_date:
            continue  # rules apply from go-live (sync-protocol "Settled details")
        staff = [s for o in owners for s in (lobby.staff.get((branch.id, o[5:]), ()) if o.startswith("role:") else [o])]
        out += CC.complaint_verdicts(day, case, at, duty.watermark(inputs, staff), handoff_grace=grace)
    return out


def unknown_years(branch: Branch, lobby: LobbyInputs) -> set[int]:
    """Years the branch's judged cases still need a calendar for (#13:
    ``complaint.deadline_unknown_year``)."""
    return {c.unknown_year for _d, c, _o in lobby.cases.get(branch.id, ()) if c.unknown_year is not None}
