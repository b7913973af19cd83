"""Factories of the lobby tests: box and complaint mutations as a device sends them."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.pushpull import mutation

SH = ZoneInfo("Asia/Shanghai")
#: Thursday 26 November 2026, two days before the reference day (the demo seeds its own
#: evening on the 27th, the day before it is seeded).
EVENING = date(2026, 11, 26)


def sh(hh: int, mm: int = 0, day: date = EVENING) -> datetime:
    """An aware time at ``hh:mm`` in Asia/Shanghai on ``day`` (default: the evening)."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH)


def new_id() -> str:
    return str(uuid.uuid4())


def box_open(session_id: str, at: datetime, business_date: date = EVENING, **extra: Any) -> dict[str, Any]:
    return mutation("box.open", {"session_id": session_id, "business_date": business_date.isoformat(), **extra}, at)


def box_entry(session_id: str, at: datetime, *, kind: str = "suggestion", source: str = "box", text: str = "更多座椅",
              entry_id: str | None = None, **extra: Any) -> tuple[str, dict[str, Any]]:
    entry_id = entry_id or new_id()
    args = {"entry_id": entry_id, "session_id": session_id, "source": source, "kind": kind, "text": text, **extra}
    return entry_id, mutation("box.entry", args, at)


def box_reply(entry_id: str, at: datetime, text: str = "感谢您的意见，已转相关部门改进。") -> dict[str, Any]:
    return mutation("box.reply", {"entry_id": entry_id, "text": text}, at)


def box_callback(entry_id: str, outcome: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return mutation("box.callback", {"entry_id": entry_id, "outcome": outcome, **extra}, at)


def box_close(session_id: str, at: datetime, slip_count: int, **extra: Any) -> dict[str, Any]:
    return mutation("box.close", {"session_id": session_id, "slip_count": slip_count, **extra}, at)


def complaint_open(channel: str, at: datetime, complaint_id: str | None = None, **extra: Any) -> tuple[str, dict[str, Any]]:
    complaint_id = complaint_id or new_id()
    args = {"complaint_id": complaint_id, "channel": channel, "summary": "排队时间过长，态度冷淡",
            "customer_name": "张先生", "contact": "13800001111", **extra}
    return complaint_id, mutation("complaint.open", args, at)


def codes(results: list[dict[str, Any]]) -> list[str]:
    """Each result's status, or its rejection code."""
    return [r["status"] if r["status"] != "rejected" else r["error"]["code"] for r in results]
