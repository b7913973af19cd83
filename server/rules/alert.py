"""Alert rules (#14): which alerts an obligation warrants, and who receives them.

Pure: an obligation's rule, status and due time, ``now`` and the branch's settings in;
alert kinds out. One alert per (obligation, kind) is the engine's to keep
(``services/alert.py``); routing is the issue's: patrols and shifts to the lobby manager
and operations manager, box and complaints to the service quality officer and operations
manager, repeated misses in a day to the branch president, an unknown calendar year to
administrators.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from sync import iso

from . import compliance as RC
from . import settings as FS

#: Who an alert of each rule goes to (issue #14 "Alerts").
ALERT_ROLES: dict[str, tuple[str, ...]] = {
    RC.PATROL: ("lobby_manager", "operations_manager"),
    RC.STAFFING: ("lobby_manager", "operations_manager"),
    RC.FLOOR: ("operations_manager", "branch_president"),
    "R-BOX-1": ("service_quality_officer", "operations_manager"),
    "R-BOX-2": ("service_quality_officer", "operations_manager"),
    "R-BOX-3": ("service_quality_officer", "operations_manager"),
    "R-CMP-5": ("lobby_manager", "service_quality_officer"),
    "R-CMP-6": ("service_quality_officer", "operations_manager"),
    "R-CMP-2": ("service_quality_officer", "operations_manager"),
    "R-CMP-REG": ("service_quality_officer", "operations_manager"),
    "R-CMP-10": ("service_quality_officer", "operations_manager"),
}
REPEATED_MISSED_ROLES = ("branch_president",)
CALENDAR_UNKNOWN_ROLES = ("admin",)
#: A phone that lost records it had sent (a wiped or restored device, #15): the branch's
#: operations manager supervises its devices, administrators their installs.
DEVICE_LOST_RECORDS_ROLES = ("operations_manager", "admin")
#: Rules whose pending obligations warn before they are due (an hourly patrol would only nag).
DUE_SOON_RULES = frozenset({RC.STAFFING, RC.FLOOR, "R-BOX-1", "R-BOX-3", "R-CMP-6", "R-CMP-2", "R-CMP-REG", "R-CMP-10"})
#: How long before its due time a rule warns: the setting naming it (minutes); rules not
#: listed warn ``compliance_due_soon_minutes`` before. The regulator's clock runs in days.
DUE_SOON_SETTINGS: dict[str, str] = {"R-CMP-REG": "complaint_regulator_due_soon_minutes"}



def alert_kinds(rule: str, status: str, due: datetime, now: datetime, settings: Mapping[str, Any] | None) -> set[str]:
    """The alerts an obligation warrants now: ``missed``, ``unconfirmed``, or ``due_soon``
    (a pending obligation of :data:`DUE_SOON_RULES` within the warning time of its due,
    :data:`DUE_SOON_SETTINGS`). A ``deadline_unknown`` obligation warrants none of them: the
    unknown year alerts administrators (``calendar_unknown``)."""
    if status in (RC.MISSED, RC.UNCONFIRMED):
        return {status}
    soon = timedelta(minutes=int(FS.value(settings, DUE_SOON_SETTINGS.get(rule, "compliance_due_soon_minutes"))))
    if status == RC.PENDING and rule in DUE_SOON_RULES and due - soon <= now < due:
        return {"due_soon"}
    return set()


def is_repeated_miss(missed_hours: int, settings: Mapping[str, Any] | None) -> bool:
    """Whether a day's missed patrol hours call for the branch president (R-SEC-5)."""
    return missed_hours >= int(FS.value(settings, "repeated_miss_threshold"))


def alert_message(rule: str, kind: str, verdict: RC.Verdict | None = None) -> str:
    """A short, customer-data-free message (the screen localises by ``rule``/``kind``)."""
    if verdict is None:
        return f"{rule} {kind}"
    text = f"{rule} {kind}: {verdict.subject_kind} {verdict.subject_id}, due {iso(verdict.due_at)}"
    devices = verdict.detail.get("devices") if kind == RC.UNCONFIRMED else None
    if devices:
        last = min((d["synced_until"] for d in devices if d.get("synced_until")), default=None)
        text += f"; a phone on duty last synced at {last}" if last else "; a phone on duty never synced"
    return text
