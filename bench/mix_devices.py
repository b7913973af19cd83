"""The devices of ``bench/mix.py`` (#17): each one's endless stream of valid mutations of
the field's mix (a guard's shifts, patrols and reports, a cleaner's shifts and rounds, the
lobby's box evenings, a teller's cases) and the device's clock that stamps them."""
from __future__ import annotations

import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.rules.patrol import CHECK_ITEMS  # noqa: E402

Mutation = tuple[str, dict[str, Any]]


def new() -> str:
    return str(uuid.uuid4())


class Device:
    """One device's endless stream of valid mutations; ``shift`` is its running shift."""

    def __init__(self, role: str, checkpoint: str, today: str) -> None:
        self.role, self.checkpoint, self.today = role, checkpoint, today
        self.shift: str | None = None
        self.n = 0
        self.clock = datetime.now(timezone.utc) - timedelta(seconds=10)

    def stamps(self, n: int) -> tuple[list[str], str]:
        """The ``at`` of the device's next ``n`` mutations and the push's ``sent_at``: each
        a millisecond after the device's previous one, as actions done one after another
        (one instant for all once made every shift of a push end together, and the
        "previous shift on the post" read all of them), and never after ``sent_at``."""
        start = max(self.clock + timedelta(milliseconds=1), datetime.now(timezone.utc) - timedelta(milliseconds=n))
        times = [start + timedelta(milliseconds=k) for k in range(n)]
        self.clock = times[-1]
        return [t.isoformat() for t in times], max(datetime.now(timezone.utc), self.clock).isoformat()

    def shift_pair(self) -> Iterator[Mutation]:
        if self.shift is not None:
            yield "shift.end", {"shift_id": self.shift}
        self.shift = new()
        yield "shift.start", {"shift_id": self.shift, "post": "security" if self.role == "guard" else "cleaning"}

    def patrol(self) -> Mutation:
        self.n += 1
        checks = {item: "ok" for item in CHECK_ITEMS}
        args: dict[str, Any] = {"patrol_id": new(), "checkpoint_code": self.checkpoint, "checks": checks}
        if self.n % 12 == 0:
            args["anomaly"] = "自助设备旁有可疑人员 loitering by the ATM"
        elif self.n % 12 == 6:
            checks[next(iter(CHECK_ITEMS))] = "fault"
        return "patrol.record", args

    def stream(self, only: str | None = None) -> Iterator[Mutation]:
        """The device's mix (``only``: one mutator, or ``shift.*``/``box.*``/``complaint.*``)."""
        while True:
            yield from getattr(self, f"_{self.role}")(only)

    def _guard(self, only: str | None) -> Iterator[Mutation]:  # 28 = 2 shift + 24 patrol + 2 incident
        if only in (None, "shift.*") or self.shift is None:  # off shift after a phase: start one first
            yield from self.shift_pair()
        for i in range(24 if only in (None, "patrol.record") else 0):
            yield self.patrol()
            if i % 12 == 11 and only is None:
                yield "incident.report", incident()
        if only == "incident.report":
            yield "incident.report", incident()

    def _cleaner(self, only: str | None) -> Iterator[Mutation]:  # 6 = 2 shift + 4 cleaning
        if only in (None, "shift.*") or self.shift is None:
            yield from self.shift_pair()
        for _ in range(4 if only in (None, "cleaning.record") else 0):
            yield "cleaning.record", {"cleaning_id": new(), "area": "lobby", "task": "floor"}

    def _lobby_manager(self, only: str | None) -> Iterator[Mutation]:  # 10 box.*
        session, entries = new(), [new() for _ in range(4)]
        self.n += 1  # one box session per business date (R-BOX-1): each unit opens an earlier day's
        day = date.fromisoformat(self.today) - timedelta(days=self.n)
        yield "box.open", {"session_id": session, "business_date": day.isoformat()}
        for i, entry in enumerate(entries):
            yield "box.entry", {"entry_id": entry, "session_id": session, "source": "box",
                                "kind": ("suggestion", "praise")[i % 2], "text": "更多座椅 more seats"}
        for entry in entries:  # every slip answered before the box closes (R-BOX-2)
            yield "box.reply", {"entry_id": entry, "text": "感谢您的意见，已转相关部门改进。"}
        yield "box.close", {"session_id": session, "slip_count": 4}

    def _teller(self, only: str | None) -> Iterator[Mutation]:  # 5 complaint.*
        due = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
        for k in range(2):
            case = new()
            yield "complaint.open", {"complaint_id": case, "channel": "oral", "summary": "排队时间过长 long queue",
                                     "customer_name": "张先生", "contact": "13800001111"}
            if k == 0:
                yield "complaint.promise", {"complaint_id": case, "reply_due_at": due}
            yield "complaint.resolve", {"complaint_id": case, "resolution": "已致歉 apologised",
                                        "customer_response": "满意 satisfied"}


def incident() -> dict[str, Any]:
    return {"incident_id": new(), "category": "other", "location": "大堂 lobby", "description": "bench incident",
            "severity": "low"}
