"""Time attribution of a mutation (sync-protocol "Time attribution").

Device clocks lie (domain.md "Where the field reality bites"): the server corrects a
mutation's ``at`` by the push's clock skew and flags what it cannot trust.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .context import TimeAttribution

SKEW = "skew"
BACKWARDS = "backwards"
FUTURE = "future"


def attribute(
    at: datetime,
    *,
    sent_at: datetime,
    received_at: datetime,
    previous_at: datetime | None,
    tolerance: timedelta,
) -> TimeAttribution:
    """Correct ``at`` by the push's skew and name the reasons to doubt it.

    ``skew = received_at - sent_at``; ``happened_at = at + skew``. Suspect when
    ``|skew| > tolerance`` (``skew``), when ``at`` is earlier than the ``at`` of the
    client's previous mutation (``backwards``), or when ``happened_at`` is later than
    ``received_at`` (``future``: the mutation claims to be newer than its own push).
    """
    skew = received_at - sent_at
    happened_at = at + skew
    reasons = []
    if abs(skew) > tolerance:
        reasons.append(SKEW)
    if previous_at is not None and at < previous_at:
        reasons.append(BACKWARDS)
    if happened_at > received_at:
        reasons.append(FUTURE)
    return TimeAttribution(
        device_at=at,
        received_at=received_at,
        sent_at=sent_at,
        skew=skew,
        happened_at=happened_at,
        clock_suspect=bool(reasons),
        suspect_reasons=tuple(reasons),
    )
