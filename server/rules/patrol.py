"""What a patrol notes and proves (R-SEC-5), and the checkpoint label format.

Pure: plain values in, decisions out. No Flask, no database.

R-SEC-5: a guard on duty patrols the self-service area (自助服务区) once every hour; each
patrol is proved at the area's checkpoint (a QR code placed there) and notes what was
checked — ATMs working, no skimming device, lights, doors, cleanliness, people loitering —
and any anomaly. An anomaly or a fault raises an incident (R-SEC-4).
"""
from __future__ import annotations

from datetime import datetime
from typing import Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

#: The area whose hourly patrol R-SEC-5 demands.
SELF_SERVICE = "self_service"
#: Known areas (slug -> (Chinese, English)). Checkpoints may sit in any of them; only
#: ``self_service`` patrols count for R-SEC-5.
AREAS: dict[str, tuple[str, str]] = {
    SELF_SERVICE: ("自助服务区", "Self-service area"),
    "lobby": ("营业大厅", "Lobby"),
    "vault_corridor": ("库房通道", "Vault corridor"),
    "entrance": ("出入口", "Entrance"),
    "basement": ("地下室", "Basement"),
}

#: What R-SEC-5 says a patrol checks: item -> (Chinese, English).
CHECK_ITEMS: dict[str, tuple[str, str]] = {
    "atm": ("自助设备运行正常", "ATMs working"),
    "skimming": ("无盗刷装置", "No skimming device"),
    "lights": ("照明", "Lights"),
    "doors": ("门禁", "Doors"),
    "cleanliness": ("环境卫生", "Cleanliness"),
    "loitering": ("无可疑逗留人员", "No one loitering"),
}
OK, FAULT = "ok", "fault"
CHECK_RESULTS = (OK, FAULT)

#: An incident a patrol raises gets this category and severity (R-SEC-4 via R-SEC-5).
PATROL_INCIDENT_CATEGORY = "patrol_anomaly"
PATROL_INCIDENT_SEVERITY = "medium"

#: Label QR payload: ``bfo://checkpoint?v=1&branch=<branch code>&code=<secret code>``.
LABEL_SCHEME = "bfo"
LABEL_KIND = "checkpoint"
LABEL_VERSION = "1"


def faults_of(checks: Mapping[str, str]) -> list[str]:
    """The checked items reported ``fault``, in the canonical item order."""
    return [item for item in CHECK_ITEMS if checks.get(item) == FAULT]


def raises_incident(checks: Mapping[str, str], anomaly: str | None) -> bool:
    """R-SEC-5/R-SEC-4: an anomaly or any fault makes the patrol raise an incident."""
    return bool(anomaly and anomaly.strip()) or bool(faults_of(checks))


def incident_description(checks: Mapping[str, str], anomaly: str | None) -> str:
    """The description of a patrol-raised incident: the anomaly, then the faulty items."""
    parts = []
    if anomaly and anomaly.strip():
        parts.append(anomaly.strip())
    faults = faults_of(checks)
    if faults:
        names = ", ".join(f"{CHECK_ITEMS[f][0]} {CHECK_ITEMS[f][1]}" for f in faults)
        parts.append(f"Fault: {names}")
    return "\n".join(parts)


def label_payload(branch_code: str, code: str) -> str:
    """The text a checkpoint label's QR code carries.

    ``bfo://checkpoint?v=1&branch=DEMO01&code=<code>``: a URL-ish string a scanner app
    recognises by its scheme; ``code`` is what ``patrol.record`` needs as
    ``checkpoint_code`` (devices may also send the whole payload).
    """
    query = urlencode({"v": LABEL_VERSION, "branch": branch_code, "code": code})
    return f"{LABEL_SCHEME}://{LABEL_KIND}?{query}"


def parse_label_payload(text: str) -> tuple[str | None, str]:
    """``(branch_code, code)`` of a scanned label; a bare code gives ``(None, code)``.

    Raises ``ValueError`` for a ``bfo://`` payload of another kind or version, or without a code.
    """
    text = text.strip()
    if not text.startswith(f"{LABEL_SCHEME}://"):
        return None, text
    parts = urlsplit(text)
    query = parse_qs(parts.query)
    if parts.netloc != LABEL_KIND or query.get("v") != [LABEL_VERSION] or not query.get("code"):
        raise ValueError("not a checkpoint label of a version this server reads")
    return (query.get("branch") or [None])[0], query["code"][0]


def judge_code(
    *,
    found: bool,
    same_branch: bool,
    active: bool,
    issued_at: datetime | None,
    retired_at: datetime | None,
    happened_at: datetime,
    clock_suspect: bool,
) -> str:
    """Decide whether a scanned code proves a patrol (R-SEC-5).

    Returns ``"current"`` (the checkpoint's code now), ``"was_current"`` (retired since,
    but current when the patrol happened — made offline before a rotation — and the
    device clock is not suspect), ``"unknown_checkpoint"`` (no such code, another branch's
    or an inactive checkpoint: indistinguishable on purpose) or ``"checkpoint_code_rotated"``.
    """
    if not found or not same_branch or not active:
        return "unknown_checkpoint"
    if retired_at is None:
        return "current"
    was_current = issued_at is not None and issued_at <= happened_at < retired_at
    if was_current and not clock_suspect:
        return "was_current"
    return "checkpoint_code_rotated"
