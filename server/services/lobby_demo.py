"""The demo branch's lobby (issue #13): yesterday evening's box with slips, replies and
callbacks, and a few open cases on different channels, so ``./dev.sh serve`` shows a
lobby with data in it. Made through the same mutation services a device's push runs,
with fixed ids derived from the branch, so seeding again creates nothing twice."""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sync.context import TimeAttribution
from sync.registry import Principal

from ..extensions import db
from ..models.org import Branch, Staff
from ..models.suggestion import BoxSession
from ..sync_setup import record_put
from . import complaint, suggestion

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


def _publish(affected: list[tuple[str, Any]]) -> None:
    for entity, obj in affected:
        record_put(entity, obj)


def seed_lobby_demo(branch: Branch, now: datetime) -> dict[str, Any]:
    """Seed yesterday's box and open cases once; returns ``{"lobby": {...ids}}``."""
    zone = ZoneInfo(branch.timezone)
    yesterday = (now.astimezone(zone) - timedelta(days=1)).date()
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
    evening = datetime.combine(yesterday, time(17, 30), zone).astimezone(timezone.utc)
    s = db.session
    _publish(suggestion.record_open(s, lobby, _times(evening), {"session_id": session_id, "business_date": yesterday}))
    for i, (source, kind, text, name, contact, reply, calls) in enumerate(SLIPS):
        at = evening + timedelta(minutes=3 + i)
        entry_id = uuid.uuid5(ns, f"entry-{i}")
        _publish(suggestion.record_entry(s, lobby, _times(at), {
            "entry_id": entry_id, "session_id": session_id, "source": source, "kind": kind, "text": text,
            "customer_name": name, "contact": contact}))
        s.flush()
        _publish(suggestion.record_reply(s, lobby, _times(at + timedelta(minutes=10)), {"entry_id": entry_id, "text": reply}))
        for j, outcome in enumerate(calls):
            _publish(suggestion.record_callback(s, lobby, _times(at + timedelta(minutes=20 + 15 * j)), {
                "entry_id": entry_id, "outcome": outcome, "callback_id": uuid.uuid5(ns, f"call-{i}-{j}")}))
        s.flush()
    _publish(suggestion.record_close(s, lobby, _times(evening + timedelta(minutes=70)), {
        "session_id": session_id, "slip_count": 3, "empty": False}))
    afternoon = datetime.combine(yesterday, time(15, 0), zone).astimezone(timezone.utc)
    for i, (channel, summary, extra) in enumerate((
        ("phone", "客户来电反映手机银行转账失败但已扣款。", {}),
        ("oral", "客户对理财产品到期收益有疑问，要求解释。", {}),
        ("hotline", "95558 转来：信用卡年费收取有异议。", {"hotline_ticket": "95558-DEMO-0001"}),
    )):
        _publish(complaint.record_open(s, teller, _times(afternoon + timedelta(minutes=20 * i)), {
            "complaint_id": uuid.uuid5(ns, f"case-{i}"), "channel": channel, "summary": summary,
            "customer_name": "演示客户", "contact": "1380000000" + str(i), **extra}))
        s.flush()
    return result
