"""The evening suggestion box (R-BOX-1..4), as pure decisions on plain values.

No Flask, no database: services pass what they loaded (the entries of a session with
their replies and callbacks) and get back a decision or a :class:`BoxRefusal` carrying
the stable rejection code and the ids it concerns.

- R-BOX-1: a session per branch per business day, opened after close of business; an
  earlier business date is accepted and marked ``opened_late``.
- R-BOX-2: every entry gets a written reply; ``box.close`` is refused while one has none
  (``replies_missing`` with the list of entries).
- R-BOX-3: every entry with contact details is phoned; ``no_answer`` may be retried,
  ``reached`` and ``wrong_number`` end the callbacks; closing with callbacks still open
  needs a reason (``callbacks_open``).
- A day with no slips is closed by saying so (``box empty``), never by silence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

from . import calendar as RCAL

SOURCES = ("box", "book")
KINDS = ("complaint", "suggestion", "praise")
COMPLAINT, SUGGESTION, PRAISE = KINDS
OUTCOMES = ("reached", "no_answer", "wrong_number")
REACHED, NO_ANSWER, WRONG_NUMBER = OUTCOMES
#: Outcomes after which no further call is made (R-BOX-3).
FINAL_OUTCOMES = frozenset({REACHED, WRONG_NUMBER})
OPEN, CLOSED = "open", "closed"
#: Callback state of an entry: no contact left, none tried yet, or the last outcome.
NOT_NEEDED, PENDING = "not_needed", "pending"

#: What R-BOX-4 does with each kind of entry.
FOLLOW_UP = {PRAISE: "thank", SUGGESTION: "thank_and_pass_on", COMPLAINT: "open_case"}


@dataclass(frozen=True)
class BoxRefusal(Exception):
    """A box rule refused the action: ``code`` (stable), ``message``, the ids concerned."""

    code: str
    message: str
    rule: str
    ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EntryState:
    """What closing needs to know about one entry."""

    id: str
    has_reply: bool
    has_contact: bool
    last_outcome: str | None


def callback_state(has_contact: bool, last_outcome: str | None) -> str:
    """``not_needed`` (no contact), ``pending`` (none yet), else the last outcome (R-BOX-3)."""
    if not has_contact:
        return NOT_NEEDED
    return last_outcome or PENDING


def is_callback_open(entry: EntryState) -> bool:
    """Whether the customer still has to be phoned: contact given, no final outcome."""
    return entry.has_contact and entry.last_outcome not in FINAL_OUTCOMES


def check_callback(has_contact: bool, last_outcome: str | None) -> None:
    """May another callback attempt be recorded? (R-BOX-3)

    Raises :class:`BoxRefusal` ``no_contact`` (the customer left none) or
    ``callback_done`` (the last attempt reached the customer or found a wrong number).
    """
    if not has_contact:
        raise BoxRefusal("no_contact", "This entry left no contact details to call back.", "R-BOX-3")
    if last_outcome in FINAL_OUTCOMES:
        raise BoxRefusal("callback_done", f"The callback already ended ({last_outcome}).", "R-BOX-3")


def close_of_business(local_date: date, close_spec: Mapping[str, str], key: str, zone: str) -> datetime:
    """The aware instant business closes on ``local_date`` (``close_spec[key]``, "17:00").

    ``key`` is the branch's day key for that date (``mon`` … or ``holiday``); a day with
    no close time given counts as closing at the start of the day (the box may be opened
    any time that day).
    """
    return RCAL.at_local(local_date, close_spec.get(key) or "00:00", zone)


def check_open(business_date: date, at: datetime, closes_at: datetime, zone: str) -> bool:
    """Judge ``box.open`` for ``business_date`` happening at ``at`` (R-BOX-1).

    Returns whether the opening is *late* (a business date before ``at``'s local date:
    accepted, and it shows). Raises :class:`BoxRefusal` ``future_business_date`` or
    ``before_close_of_business`` (``closes_at``: that day's close, aware).
    """
    today = RCAL.local_date(at, zone)
    if business_date > today:
        raise BoxRefusal("future_business_date", "The box is opened for today or an earlier day.", "R-BOX-1")
    if business_date == today and at < closes_at:
        raise BoxRefusal(
            "before_close_of_business", "The box is opened after close of business (R-BOX-1).", "R-BOX-1"
        )
    return business_date < today


def session_due_at(business_date: date, zone: str) -> datetime:
    """When the day's box work is due: the end of the business date, local (R-BOX-1, R-BOX-3
    "the same day"), aware UTC; compliance alerts on it."""
    return RCAL.day_bounds(business_date, zone)[1]


def check_close(
    entries: Iterable[EntryState],
    *,
    empty: bool,
    slip_count: int,
    box_entries: int,
    callbacks_reason: str | None,
) -> list[str]:
    """Judge ``box.close``; returns the ids of entries whose callback stays open.

    Raises :class:`BoxRefusal`:

    - ``box_not_empty``: "box empty" stated for a session with entries;
    - ``empty_not_stated``: no entries and no explicit "box empty" (never by silence);
    - ``slip_count_mismatch``: fewer slips counted than entries taken from the box;
    - ``replies_missing`` (R-BOX-2), ids = the entries without a written reply;
    - ``callbacks_open`` (R-BOX-3), ids = entries still to be phoned, when no reason is given.
    """
    entries = list(entries)
    if empty and entries:
        raise BoxRefusal("box_not_empty", "'Box empty' was stated, but entries were recorded.", "R-BOX-1")
    if not empty and not entries:
        raise BoxRefusal("empty_not_stated", "A day with no entries is closed by stating 'box empty'.", "R-BOX-1")
    if empty and slip_count:
        raise BoxRefusal("box_not_empty", "'Box empty' was stated with a slip count above 0.", "R-BOX-1")
    if slip_count < box_entries:
        raise BoxRefusal(
            "slip_count_mismatch", f"{box_entries} entries came from the box but {slip_count} slips were counted.",
            "R-BOX-1",
        )
    missing = tuple(e.id for e in entries if not e.has_reply)
    if missing:
        raise BoxRefusal("replies_missing", f"{len(missing)} entries have no written reply.", "R-BOX-2", missing)
    still_open = [e.id for e in entries if is_callback_open(e)]
    if still_open and not (callbacks_reason or "").strip():
        raise BoxRefusal(
            "callbacks_open", f"{len(still_open)} customers are still to be called back; give a reason.",
            "R-BOX-3", tuple(still_open),
        )
    return still_open
