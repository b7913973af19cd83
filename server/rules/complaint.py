"""Complaint cases (R-CMP-1..9): channels, routing at intake, the escalation chain, and
what a late-arriving state change means. Pure: plain values in, decisions out.

The clocks (R-CMP-5/6 and the regulator's) are at the end: :func:`clocks`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from . import calendar as RC
from . import roles as R

#: R-CMP-1 channels, the manual's list (the intake form's 投诉渠道). ``media`` is an
#: enquiry by a journalist or TV; ``internet`` and ``press`` complaints published there.
CHANNELS = (
    "oral", "phone", "suggestion_box", "letter", "regulator_letter", "media", "internet", "press", "hotline",
)
ORAL, PHONE, BOX, LETTER, REGULATOR_LETTER, MEDIA, INTERNET, PRESS, HOTLINE = CHANNELS

OPEN, RESOLVED = "open", "resolved"
STATUSES = (OPEN, RESOLVED)

#: R-CMP-4, level by level: taker → lobby manager → service quality officer → branch vice
#: president → branch president → parent branch functional department. Both branch
#: levels are held by the ``branch_president`` role (domain.md: 支行行长/分管行长).
CHAIN = (
    "taker", "lobby_manager", "service_quality_officer", "branch_vice_president", "branch_president",
    "regional_officer",
)
TAKER_LEVEL = 0
LEVEL_ROLES = {
    "lobby_manager": R.LOBBY_MANAGER,
    "service_quality_officer": R.SERVICE_QUALITY_OFFICER,
    "branch_vice_president": R.BRANCH_PRESIDENT,
    "branch_president": R.BRANCH_PRESIDENT,
    "regional_officer": R.REGIONAL_OFFICER,
}
#: Roles that may take a complaint (teller and above, R-CMP-5) and the level they start at.
TAKER_LEVELS = {
    R.TELLER: 0,
    R.RELATIONSHIP_MANAGER: 0,
    R.OPERATIONS_MANAGER: 1,
    R.LOBBY_MANAGER: 1,
    R.SERVICE_QUALITY_OFFICER: 2,
    R.BRANCH_PRESIDENT: 3,
}


@dataclass(frozen=True)
class Route:
    """Where intake sends a case at once: the chain level (``None``: the taker keeps it)."""

    level: str | None
    rule: str
    reason: str
    report_to_regulator: bool = False
    needs_ticket: bool = False


#: Routing at intake, per channel (R-CMP-5..9).
ROUTES: dict[str, Route] = {
    ORAL: Route(None, "R-CMP-5", "Oral complaint: the taker owns it until handed on."),
    PHONE: Route("service_quality_officer", "R-CMP-6", "Phone complaint not settled on the call: to the service quality officer."),
    BOX: Route(None, "R-BOX-4", "From the suggestion box: the lobby manager who opened it owns it."),
    LETTER: Route("service_quality_officer", "R-CMP-7", "Letters go at once to the service quality officer."),
    REGULATOR_LETTER: Route(
        "regional_officer", "R-CMP-7", "Regulator letters go at once to the parent branch's functional department.",
        report_to_regulator=True,
    ),
    MEDIA: Route("service_quality_officer", "R-CMP-8", "Media enquiries go at once to the service quality officer."),
    INTERNET: Route("regional_officer", "R-CMP-8", "Internet complaints go at once to the parent branch."),
    PRESS: Route("regional_officer", "R-CMP-8", "Press complaints go at once to the parent branch."),
    HOTLINE: Route(None, "R-CMP-9", "Hotline (95558) complaint: follows the hotline's procedure, with its ticket.", needs_ticket=True),
}


@dataclass(frozen=True)
class ComplaintRefusal(Exception):
    """A complaint rule refused the action: stable ``code``, ``message``, rule id, detail."""

    code: str
    message: str
    rule: str
    detail: dict = field(default_factory=dict)


def level_index(level: str) -> int:
    """The position of ``level`` in the chain (R-CMP-4); ``ValueError`` if it is none."""
    return CHAIN.index(level)


def role_of_level(level: str, taker_role: str) -> str:
    """The role that holds ``level`` (the taker's own role at level ``taker``)."""
    return taker_role if level == "taker" else LEVEL_ROLES[level]


def taker_level(role: str) -> str:
    """The chain level a case starts at when ``role`` takes it (R-CMP-2 首问责任制)."""
    if role not in TAKER_LEVELS:
        raise ComplaintRefusal("not_a_taker", f"A {role} does not take complaints.", "R-CMP-5")
    return CHAIN[TAKER_LEVELS[role]]


def route(channel: str, *, settled: bool, hotline_ticket: str | None) -> Route:
    """Routing of a new case on ``channel`` (R-CMP-6..9).

    Raises :class:`ComplaintRefusal` ``hotline_ticket_required`` (R-CMP-9). A phone
    complaint settled on the call is not routed and gets no reply deadline (R-CMP-6).
    """
    rule = ROUTES[channel]
    if rule.needs_ticket and not (hotline_ticket or "").strip():
        raise ComplaintRefusal("hotline_ticket_required", "A hotline complaint carries its 95558 ticket number.", "R-CMP-9")
    if channel == PHONE and settled:
        return Route(None, "R-CMP-6", "Settled on the call.")
    return rule


@dataclass(frozen=True)
class Escalation:
    """An accepted escalation: from and to level, and whether levels were skipped."""

    from_level: str
    to_level: str
    skipped: tuple[str, ...]


def check_escalation(current: str, target: str, *, skip_level: bool, reason: str | None) -> Escalation:
    """Escalate one level at a time; skipping needs ``skip_level`` and a reason (R-CMP-2/4).

    Raises :class:`ComplaintRefusal`: ``unknown_level``; ``not_higher`` (same or lower
    level); ``level_skipped`` (a skip without ``skip_level``); ``skip_reason_required``;
    ``not_a_skip`` (``skip_level`` set for the next level).
    """
    if target not in CHAIN or target == "taker":
        raise ComplaintRefusal("unknown_level", f"{target!r} is not a level of the escalation chain.", "R-CMP-4")
    here, there = level_index(current), level_index(target)
    if there <= here:
        raise ComplaintRefusal("not_higher", f"The case is already at {current}.", "R-CMP-4")
    skipped = CHAIN[here + 1:there]
    if skipped and not skip_level:
        raise ComplaintRefusal(
            "level_skipped", f"Escalation goes level by level; {', '.join(skipped)} would be skipped.", "R-CMP-4",
            {"next_level": CHAIN[here + 1]},
        )
    if skipped and not (reason or "").strip():
        raise ComplaintRefusal("skip_reason_required", "Skipping a level needs a reason.", "R-CMP-2")
    if skip_level and not skipped:
        raise ComplaintRefusal("not_a_skip", f"{target} is the next level; nothing is skipped.", "R-CMP-4")
    return Escalation(current, target, tuple(skipped))


#: What a state change that lost the race meets (the code the device is told).
STALE_CODES = {"escalated": "case_escalated", "handed_over": "case_handed_over", "resolved": "case_already_resolved"}


def stale_code(last_state_event: str | None) -> str:
    """The rejection code for a state change that no longer fits: what happened meanwhile."""
    return STALE_CODES.get(last_state_event or "", "not_owner")


# --- The two clocks ------------------------------------------------------------------
#: Settings the clocks read (defaults in ``rules/settings.py``, the manual's values).
CLOCK_SETTINGS = (
    "complaint_teller_handoff_minutes",
    "complaint_lobby_handoff_minutes",
    "complaint_phone_reply_working_days",
    "complaint_regulator_days",
    "complaint_regulator_complex_days",
    "complaint_regulator_extension_days",
    "complaint_regulator_day_basis",
)
#: ``complaint_regulator_day_basis``: count the regulator's days as calendar days (the
#: stricter reading, the default) or as working days.
DAY_BASES = ("calendar", "working")


@dataclass(frozen=True)
class CaseFacts:
    """What the clocks of one case depend on (all times aware)."""

    channel: str
    taker_level: str
    opened_at: datetime
    settled: bool = False
    promised_reply_at: datetime | None = None
    consumer: bool = True
    complex: bool = False
    extended: bool = False
    paused: timedelta = timedelta(0)


@dataclass(frozen=True)
class Clocks:
    """Both clocks of a case (issue #13): the manual's and the regulator's.

    ``handoff_due_at``: the teller's (about 3 min) or lobby manager's (about 10 min)
    hand-on of an oral complaint (R-CMP-5); ``reply_due``: R-CMP-6's one working day
    (a :class:`~server.rules.calendar.Deadline`, an :class:`~server.rules.calendar.Unknown`,
    or ``None``); ``regulator_due``: the decision deadline for a consumer complaint.
    ``due_at`` is the stricter (earliest) of every known due time; ``due_clock`` which
    clock it came from; ``unknown_year`` a year whose calendar a deadline still needs.
    """

    handoff_due_at: datetime | None
    handoff_to: str | None
    reply_due: RC.Deadline | RC.Unknown | None
    promised_reply_at: datetime | None
    regulator_due: RC.Deadline | RC.Unknown | None
    manual_due_at: datetime | None
    due_at: datetime | None
    due_clock: str | None
    unknown_year: int | None


def clocks(
    facts: CaseFacts,
    settings: Mapping[str, Any],
    cal: RC.WorkingCalendar,
    business_hours: Mapping[str, Any],
    zone: str,
    adjusted_workday_hours: str,
) -> Clocks:
    """Compute both clocks of a case; ``settings`` maps each of :data:`CLOCK_SETTINGS` to
    the branch's value. Never guesses a year: a deadline that needs one nobody loaded is
    :class:`~server.rules.calendar.Unknown` (shown as "deadline unknown: …")."""
    handoff_due, handoff_to = None, None
    if facts.channel == ORAL and facts.taker_level in ("taker", "lobby_manager"):
        key = "complaint_teller_handoff_minutes" if facts.taker_level == "taker" else "complaint_lobby_handoff_minutes"
        handoff_due = facts.opened_at + timedelta(minutes=int(settings[key]))
        handoff_to = CHAIN[level_index(facts.taker_level) + 1]
    reply_due: RC.Deadline | RC.Unknown | None = None
    if facts.channel == PHONE and not facts.settled:
        reply_due = RC.add_working_days(
            cal, facts.opened_at, int(settings["complaint_phone_reply_working_days"]), business_hours, zone,
            adjusted_workday_hours=adjusted_workday_hours,
        )
    regulator_due = _regulator_due(facts, settings, cal, business_hours, zone, adjusted_workday_hours)
    manual = [t for t in (handoff_due, _at(reply_due), facts.promised_reply_at) if t is not None]
    manual_due = min(manual) if manual else None
    regulator_at = _at(regulator_due)
    due_at, due_clock = manual_due, "manual" if manual_due else None
    if regulator_at is not None and (due_at is None or regulator_at < due_at):
        due_at, due_clock = regulator_at, "regulator"
    unknown = next((d.year for d in (reply_due, regulator_due) if isinstance(d, RC.Unknown)), None)
    return Clocks(handoff_due, handoff_to, reply_due, facts.promised_reply_at, regulator_due, manual_due,
                  due_at, due_clock, unknown)


def _regulator_due(
    facts: CaseFacts, settings: Mapping[str, Any], cal: RC.WorkingCalendar, business_hours: Mapping[str, Any],
    zone: str, adjusted: str,
) -> RC.Deadline | RC.Unknown | None:
    """15 days, 30 when complex, a further 30 when extended; appraisal time stops it."""
    if not facts.consumer:
        return None
    days = int(settings["complaint_regulator_complex_days" if facts.complex else "complaint_regulator_days"])
    if facts.extended:
        days += int(settings["complaint_regulator_extension_days"])
    start = facts.opened_at + facts.paused
    basis = settings["complaint_regulator_day_basis"]
    if basis == "working":
        return RC.add_working_days(cal, start, days, business_hours, zone, adjusted_workday_hours=adjusted)
    if basis != "calendar":
        raise ValueError(f"complaint_regulator_day_basis must be one of {DAY_BASES}, not {basis!r}")
    # Calendar days, counted like working days (the intake day not counted), ending at 24:00.
    last = RC.local_date(start, zone) + timedelta(days=days)
    return RC.Deadline(RC.day_bounds(last, zone)[1], last, "calendar days")


def _at(due: RC.Deadline | RC.Unknown | None) -> datetime | None:
    return due.due_at if isinstance(due, RC.Deadline) else None
