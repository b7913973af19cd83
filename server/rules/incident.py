"""Incident vocabulary (R-SEC-4): categories, severities, statuses. Pure data and checks."""
from __future__ import annotations

from .patrol import PATROL_INCIDENT_CATEGORY

#: R-SEC-4: guards keep order in the lobby and watch for emergencies.
CATEGORIES: tuple[str, ...] = (
    "disorder",  # lobby order (大堂秩序)
    "emergency",  # medical / fire / evacuation
    "suspicious_person",
    "equipment",  # ATM, doors, lights
    "skimming_device",
    "theft",
    "safety_hazard",
    PATROL_INCIDENT_CATEGORY,
    "other",
)
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
OPEN, RESOLVED = "open", "resolved"
STATUSES = (OPEN, RESOLVED)
#: Photos one incident may reference.
MAX_PHOTOS = 10


def is_sha256(value: str) -> bool:
    """True for 64 lowercase hex digits (how photos are named)."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
