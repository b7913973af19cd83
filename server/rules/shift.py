"""Shift rules (R-SEC-2): on and off duty exactly at shift times, handover at change.

Pure functions on plain values: the service loads rows, these decide. Times and
tolerances come from ``branch.settings`` through :mod:`settings`.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from . import settings as FS


@dataclass(frozen=True)
class ShiftSpan:
    """A shift as the rules see it: who, which post, from when, until when (``None``: open)."""

    id: uuid.UUID
    staff_id: uuid.UUID
    post: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class PlannedShift:
    """A roster entry: ``post`` is to be staffed from ``starts_at`` to ``ends_at``
    (by ``staff_id`` when named, by anyone on the post otherwise)."""

    id: uuid.UUID
    post: str
    starts_at: datetime
    ends_at: datetime
    staff_id: uuid.UUID | None = None


@dataclass(frozen=True)
class UnstaffedPost:
    """A planned shift that nobody started within the grace period (R-SEC-2 alert)."""

    planned_id: uuid.UUID
    post: str
    staff_id: uuid.UUID | None
    starts_at: datetime
    due_by: datetime


def post_refusal(settings: Mapping[str, Any] | None, post: str, role: str) -> str | None:
    """Why ``role`` may not start a shift on ``post`` (R-SEC-2), or ``None``.

    ``unknown_post`` when the branch has no such post; ``post_not_for_role`` when the
    post is not one the role staffs (a cleaner does not take the security post).
    """
    posts: Mapping[str, Sequence[str]] = FS.value(settings, "shift_posts")
    if post not in posts:
        return "unknown_post"
    if role not in posts[post]:
        return "post_not_for_role"
    return None


def is_on_shift(shift: ShiftSpan, at: datetime) -> bool:
    """True when ``at`` lies within the shift, half-open ``[start, end)``: the end instant
    belongs to the next shift, not this one (an open shift runs on). The one definition of
    "on shift" (R-SEC-2); every feature asks it through ``services/shift.shift_at``."""
    return shift.started_at <= at and (shift.ended_at is None or at < shift.ended_at)


def overlapping(shifts: Iterable[ShiftSpan], start: datetime) -> ShiftSpan | None:
    """The shift of one person that a new shift starting at ``start`` would overlap (R-SEC-2).

    One person holds one post at a time: a shift still open, or one whose span covers
    ``start``, is an overlap. Returns the first such shift, or ``None``.
    """
    for shift in shifts:
        if shift.started_at <= start and (shift.ended_at is None or start < shift.ended_at):
            return shift
    return None


def post_gap_minutes(
    previous: ShiftSpan | None, start: datetime, settings: Mapping[str, Any] | None
) -> int | None:
    """Minutes the post stood uncovered before a shift starting at ``start`` (R-SEC-2).

    ``previous`` is the latest other shift on the same post that began before ``start``.
    ``None`` when there is none within the look-back; ``0`` when it was still running
    at ``start`` (a hand-over in person).
    """
    if previous is None:
        return None
    lookback = timedelta(hours=FS.value(settings, "post_gap_lookback_hours"))
    if previous.ended_at is None or previous.ended_at >= start:
        return 0
    if start - previous.ended_at > lookback:
        return None
    return int((start - previous.ended_at).total_seconds() // 60)


def is_post_gap(gap_minutes: int | None, settings: Mapping[str, Any] | None) -> bool:
    """True when a gap is longer than the branch tolerates (R-SEC-2)."""
    return gap_minutes is not None and gap_minutes > FS.value(settings, "post_gap_grace_minutes")


def unstaffed_posts(
    roster: Iterable[PlannedShift],
    shifts: Iterable[ShiftSpan],
    now: datetime,
    grace: timedelta,
    early: timedelta | None = None,
) -> list[UnstaffedPost]:
    """Planned shifts that are due, still running, and were not started (R-SEC-2).

    A planned shift is *due* once ``starts_at + grace`` has passed. A real shift staffs
    it when it is on the same post and began between ``starts_at - early`` and
    ``starts_at + grace``; each real shift staffs one planned shift, the named person's
    own shift first, then anyone's on that post (a stand-in still staffs the post).
    Planned shifts already over at ``now`` are not reported (they belong to the day's
    record, not to a live alert). Ordered by start, then post.
    """
    early = early if early is not None else timedelta(minutes=FS.value(None, "shift_early_start_minutes"))
    free = sorted(shifts, key=lambda s: s.started_at)
    due = [p for p in sorted(roster, key=lambda p: (p.starts_at, p.post)) if now >= p.starts_at + grace]

    def take(plan: PlannedShift, own_only: bool) -> bool:
        for shift in free:
            fits = shift.post == plan.post and plan.starts_at - early <= shift.started_at <= plan.starts_at + grace
            if fits and (not own_only or shift.staff_id == plan.staff_id):
                free.remove(shift)
                return True
        return False

    # The named person's own shift first, so a stand-in is not spent on them.
    open_plans = [p for p in due if p.staff_id is None or not take(p, own_only=True)]
    return [
        UnstaffedPost(p.id, p.post, p.staff_id, p.starts_at, p.starts_at + grace)
        for p in open_plans
        if not take(p, own_only=False) and now < p.ends_at
    ]
