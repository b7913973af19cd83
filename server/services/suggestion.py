"""The evening suggestion box (R-BOX-1..4): the ``box.*`` mutations, run inside a push.

Each ``record_*`` takes ``(session, who, times, args)``, decides with ``rules/suggestion.py``
and returns what it changed (``Affected``) for the handler to publish. They never commit.
A complaint entry opens its complaint case in the same transaction (R-BOX-4).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync import Batch, Principal, TimeAttribution

from ..extensions import db
from ..models.org import Branch, Staff
from ..models.photo import PhotoUpload
from ..models.suggestion import BoxCallback, BoxEntry, BoxSession
from ..rules import calendar as RCAL
from ..rules import permissions as P
from ..rules import suggestion as SR
from ..rules.calendar import WEEKDAY_KEYS
from . import calendar as calendar_service
from . import complaint as complaint_service
from ..sync_setup import record_put
from .access import require_reader
from .incident import photo_ownership, refuse_foreign_photos
from .mutation import Affected, branch_of, ensure_new, found, reject

#: Namespace of the complaint id a complaint entry's case gets when the device sends none:
#: ``uuid5(COMPLAINT_OF_ENTRY, entry_id)``, so the device can name the case before it syncs.
COMPLAINT_OF_ENTRY = uuid.UUID("6d1c2a57-3f0e-4c59-9d51-0b5a0c1e7b13")


def _refuse(refusal: SR.BoxRefusal) -> NoReturn:
    reject(refusal.code, refusal.message, rule=refusal.rule, errors={"entries": list(refusal.ids)} if refusal.ids else None)


def record_open(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *,
                batch: Batch | None = None) -> Affected:
    """``box.open`` (R-BOX-1): the day's session, after close of business.

    An earlier business date is accepted and marked ``opened_late``. Rejections:
    ``duplicate_record_id``, ``session_exists`` (the branch's session of that date),
    ``future_business_date``, ``before_close_of_business``, ``no_branch``,
    ``photo_not_yours`` (a photo uploaded, but not in the branch: R-SEC-10, #12).
    ``batch``: the optimistic run's (:func:`~server.services.mutation.ensure_new`).
    """
    branch = branch_of(session, who)
    ensure_new(session, BoxSession, args["session_id"], "session_id", batch=batch)
    photo = [args["photo"]] if args.get("photo") else []
    refuse_foreign_photos(photo, photo_ownership(session, photo, branch.id))
    day = args["business_date"]
    taken = session.scalar(
        select(BoxSession.id).where(BoxSession.branch_id == branch.id, BoxSession.business_date == day)
    )
    if taken is not None:
        reject("session_exists", f"The box of {day} was opened already (session {taken}).", rule="R-BOX-1",
               field="business_date")
    try:
        key = calendar_service.hours_key(branch, day)
    except calendar_service.CalendarYearUnknown:
        # Only to find the close time that day: the weekday's (no deadline is computed here).
        key = WEEKDAY_KEYS[day.weekday()]
    closes = SR.close_of_business(day, branch.close_of_business or {}, key, branch.timezone)
    try:
        late = SR.check_open(day, times.happened_at, closes, branch.timezone)
    except SR.BoxRefusal as refusal:
        _refuse(refusal)
    box = BoxSession(
        id=args["session_id"], branch_id=branch.id, business_date=day, opened_by=who.staff_id, opened_late=late,
        due_at=SR.session_due_at(day, branch.timezone), status=SR.OPEN, photo_sha256=args.get("photo"),
        updated_at=times.received_at,
    )
    box.stamp(times)
    session.add(box)
    return [("box_session", box)]


def _open_session(session: Session, who: Principal, session_id: uuid.UUID) -> BoxSession:
    box = found(session, BoxSession, session_id)
    if box is None or box.branch_id != who.branch_id:
        reject("unknown_session", "No such box session in your branch.", field="session_id")
    if box.status == SR.CLOSED:
        reject("session_closed", f"The box of {box.business_date} is closed.", rule="R-BOX-1")
    return box


def record_entry(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *,
                 batch: Batch | None = None) -> Affected:
    """``box.entry`` (R-BOX-2, R-BOX-4): a slip or a book entry of an open session.

    A ``complaint`` opens its case (channel ``suggestion_box``) with id ``complaint_id``
    or ``uuid5(COMPLAINT_OF_ENTRY, entry_id)``. Rejections: ``unknown_session``,
    ``session_closed``, ``duplicate_record_id``, and those of ``complaint.open``.
    ``batch``: the optimistic run's (:func:`~server.services.mutation.ensure_new`).
    """
    box = _open_session(session, who, args["session_id"])
    ensure_new(session, BoxEntry, args["entry_id"], "entry_id", batch=batch)
    contact = (args.get("contact") or "").strip() or None
    entry = BoxEntry(
        id=args["entry_id"], session_id=box.id, branch_id=box.branch_id, business_date=box.business_date,
        source=args["source"], kind=args["kind"], text=args["text"], customer_name=args.get("customer_name"),
        contact=contact, recorded_by=who.staff_id, callback_status=SR.callback_state(contact is not None, None),
        callback_attempts=0, updated_at=times.received_at,
    )
    entry.stamp(times)
    affected: Affected = [("box_entry", entry)]
    if entry.kind == SR.COMPLAINT:
        entry.complaint_id = args.get("complaint_id") or uuid.uuid5(COMPLAINT_OF_ENTRY, str(entry.id))
        case_args = {
            "complaint_id": entry.complaint_id, "channel": "suggestion_box", "summary": entry.text,
            "customer_name": entry.customer_name, "contact": entry.contact, **(args.get("classification") or {}),
        }
        affected += complaint_service.record_open(session, who, times, case_args, entry_id=entry.id, batch=batch)
    session.add(entry)
    return affected


def _entry(session: Session, who: Principal, entry_id: uuid.UUID) -> BoxEntry:
    entry = found(session, BoxEntry, entry_id)
    if entry is None or entry.branch_id != who.branch_id:
        reject("unknown_entry", "No such box entry in your branch.", field="entry_id")
    return entry


def record_reply(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``box.reply`` (R-BOX-2): the entry's written reply. Rejections: ``unknown_entry``,
    ``already_replied``."""
    entry = _entry(session, who, args["entry_id"])
    if entry.reply_text is not None:
        reject("already_replied", "This entry has its written reply.", rule="R-BOX-2")
    entry.reply_text, entry.replied_by = args["text"], who.staff_id
    entry.replied_at, entry.reply_received_at = times.happened_at, times.received_at
    entry.updated_at = times.received_at
    return [("box_entry", entry)]


def record_callback(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any], *,
                    batch: Batch | None = None) -> Affected:
    """``box.callback`` (R-BOX-3): one attempt to phone the customer, kept with its number.

    Rejections: ``unknown_entry``, ``no_contact``, ``callback_done``, ``duplicate_record_id``.
    ``batch``: the optimistic run's (:func:`~server.services.mutation.ensure_new`).
    """
    entry = _entry(session, who, args["entry_id"])
    try:
        SR.check_callback(entry.contact is not None, entry.callback_status if entry.callback_attempts else None)
    except SR.BoxRefusal as refusal:
        _refuse(refusal)
    callback_id = args.get("callback_id") or uuid.uuid4()
    ensure_new(session, BoxCallback, callback_id, "callback_id", batch=batch)
    call = BoxCallback(
        id=callback_id, entry_id=entry.id, branch_id=entry.branch_id, attempt=entry.callback_attempts + 1,
        outcome=args["outcome"], notes=args.get("notes"), called_by=who.staff_id,
    )
    call.stamp(times)
    session.add(call)
    entry.callback_attempts += 1
    entry.callback_status = SR.callback_state(True, call.outcome)
    entry.updated_at = times.received_at
    return [("box_callback", call), ("box_entry", entry)]


def record_close(session: Session, who: Principal, times: TimeAttribution, args: dict[str, Any]) -> Affected:
    """``box.close`` (R-BOX-1..3): refused while an entry has no reply (``replies_missing``
    with the entries), with callbacks open and no reason (``callbacks_open``), with no
    entries and no "box empty" (``empty_not_stated``), and ``box_not_empty``,
    ``slip_count_mismatch``, ``unknown_session``, ``session_closed``."""
    box = _open_session(session, who, args["session_id"])
    entries = list(session.scalars(select(BoxEntry).where(BoxEntry.session_id == box.id).order_by(BoxEntry.happened_at)))
    states = [
        SR.EntryState(str(e.id), e.reply_text is not None, e.contact is not None,
                      e.callback_status if e.callback_attempts else None)
        for e in entries
    ]
    try:
        still_open = SR.check_close(
            states, empty=args["empty"], slip_count=args["slip_count"],
            box_entries=sum(1 for e in entries if e.source == "box"), callbacks_reason=args.get("callbacks_reason"),
        )
    except SR.BoxRefusal as refusal:
        _refuse(refusal)
    box.status, box.closed_by, box.empty, box.slip_count = SR.CLOSED, who.staff_id, args["empty"], args["slip_count"]
    box.callbacks_reason = args.get("callbacks_reason") if still_open else None
    box.open_callbacks = len(still_open)
    box.photo_sha256 = args.get("photo") or box.photo_sha256
    box.end_device_at, box.end_received_at = times.device_at, times.received_at
    box.end_skew_ms = int(times.skew.total_seconds() * 1000)
    box.end_happened_at, box.end_clock_suspect = times.happened_at, times.clock_suspect
    box.updated_at = times.received_at
    return [("box_session", box)]


def list_sessions(actor: Staff, branch_id: uuid.UUID, query: dict[str, Any]) -> dict[str, Any]:
    """A page of the branch's box sessions, newest business date first, each with its
    entries and their callbacks (three queries, no N+1); ``?date=`` one business date.
    Readers per ``ENTITY_READERS["box_session"]`` (R-SEC-10); others get
    :class:`Forbidden` (role) or :class:`NotFound` (another branch)."""
    require_reader(actor, branch_id, "box_session")
    q = select(BoxSession).where(BoxSession.branch_id == branch_id)
    if query.get("date"):
        q = q.where(BoxSession.business_date == query["date"])
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    sessions = list(db.session.scalars(q.order_by(BoxSession.business_date.desc()).limit(query["limit"])
                                       .offset(query["offset"])))
    ids = [s.id for s in sessions]
    entries = list(db.session.scalars(select(BoxEntry).where(BoxEntry.session_id.in_(ids)).order_by(BoxEntry.happened_at)))
    calls = list(db.session.scalars(select(BoxCallback).where(BoxCallback.entry_id.in_([e.id for e in entries]))
                                    .order_by(BoxCallback.attempt)))
    items = []
    for s in sessions:
        mine = [e.to_dict() | {"callbacks": [c.to_dict() for c in calls if c.entry_id == e.id]}
                for e in entries if e.session_id == s.id]
        items.append(s.to_dict() | {"entries": mine})
    more = query["offset"] + len(items) < total
    return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"],
            "next_offset": query["offset"] + query["limit"] if more else None}


def may_see_photo(actor: Staff, sha256: str) -> bool:
    """The photo of an opened box is visible to the box's readers of that branch, once
    someone of that branch uploaded it (R-SEC-10, #12: naming a digest gets no bytes)."""
    if actor.role not in P.ENTITY_READERS["box_session"] or actor.branch_id is None:
        return False
    branches = db.session.scalars(select(BoxSession.branch_id).where(BoxSession.photo_sha256 == sha256)).all()
    uploaded = db.session.scalar(
        select(PhotoUpload.sha256).where(PhotoUpload.sha256 == sha256, PhotoUpload.branch_id == actor.branch_id).limit(1))
    return actor.branch_id in set(branches) and uploaded is not None


# --- The demo evening ---------------------------------------------------------------
#: (source, kind, text, customer name, contact, reply, callback outcomes).
SLIPS = (
    ("box", "praise", "柜员陈静办理业务耐心细致，点赞！", "李阿姨", None, "感谢您的表扬，已转达本人。", ()),
    ("box", "suggestion", "建议在等候区增加老花镜和充电设备。", "王先生", "13800138001",
     "感谢建议，老花镜已配置，充电设备本周内安装。", ("no_answer", "reached")),
    ("box", "complaint", "周五下午只开了两个窗口，排队一小时。", "赵女士", "13900139002",
     "非常抱歉，已安排高峰时段增开窗口，并将专人回访。", ("reached",)),
    ("book", "suggestion", "希望自助区的ATM增加存折补登功能。", None, None, "感谢建议，已报分行科技部评估。", ()),
)


def _times(at: datetime) -> TimeAttribution:
    return TimeAttribution(device_at=at, received_at=at, sent_at=at, skew=timedelta(0), happened_at=at,
                           clock_suspect=False)


def _seed_publish(affected: list[tuple[str, Any]]) -> None:
    for entity, obj in affected:
        record_put(entity, obj)


def seed_demo_evening(branch: Branch, now: datetime) -> dict[str, Any]:
    """Demo seeder (issue #13): yesterday evening's box with slips, replies and callbacks,
    and open cases on several channels, made through the mutation services with fixed ids
    derived from the branch, so seeding again creates nothing. Returns ``{"lobby": …}``."""
    yesterday = RCAL.local_date(now, branch.timezone) - timedelta(days=1)
    ns = uuid.uuid5(uuid.NAMESPACE_URL, f"fieldops:demo-lobby:{branch.id}:{yesterday}")
    session_id = uuid.uuid5(ns, "box")
    result = {"lobby": {"box_session_id": str(session_id), "business_date": yesterday.isoformat()}}
    if db.session.get(BoxSession, session_id) is not None or db.session.scalar(
        select(BoxSession.id).where(BoxSession.branch_id == branch.id, BoxSession.business_date == yesterday)
    ):
        return result
    staff = {s.role: s for s in db.session.scalars(select(Staff).where(Staff.branch_id == branch.id))}
    lobby = Principal(staff["lobby_manager"].id, "lobby_manager", branch.id)
    teller = Principal(staff["teller"].id, "teller", branch.id)
    evening = RCAL.at_local(yesterday, "17:30", branch.timezone)
    s = db.session
    _seed_publish(record_open(s, lobby, _times(evening), {"session_id": session_id, "business_date": yesterday}))
    for i, (source, kind, text, name, contact, reply, calls) in enumerate(SLIPS):
        at = evening + timedelta(minutes=3 + i)
        entry_id = uuid.uuid5(ns, f"entry-{i}")
        _seed_publish(record_entry(s, lobby, _times(at), {
            "entry_id": entry_id, "session_id": session_id, "source": source, "kind": kind, "text": text,
            "customer_name": name, "contact": contact}))
        s.flush()
        _seed_publish(record_reply(s, lobby, _times(at + timedelta(minutes=10)), {"entry_id": entry_id, "text": reply}))
        for j, outcome in enumerate(calls):
            _seed_publish(record_callback(s, lobby, _times(at + timedelta(minutes=20 + 15 * j)), {
                "entry_id": entry_id, "outcome": outcome, "callback_id": uuid.uuid5(ns, f"call-{i}-{j}")}))
        s.flush()
    _seed_publish(record_close(s, lobby, _times(evening + timedelta(minutes=70)), {
        "session_id": session_id, "slip_count": 3, "empty": False}))
    afternoon = RCAL.at_local(yesterday, "15:00", branch.timezone)
    for i, (channel, summary, extra) in enumerate((
        ("phone", "客户来电反映手机银行转账失败但已扣款。", {}),
        ("oral", "客户对理财产品到期收益有疑问，要求解释。", {}),
        ("hotline", "95558 转来：信用卡年费收取有异议。", {"hotline_ticket": "95558-DEMO-0001"}),
    )):
        _seed_publish(complaint_service.record_open(s, teller, _times(afternoon + timedelta(minutes=20 * i)), {
            "complaint_id": uuid.uuid5(ns, f"case-{i}"), "channel": channel, "summary": summary,
            "customer_name": "演示客户", "contact": "1380000000" + str(i), **extra}))
        s.flush()
    return result
