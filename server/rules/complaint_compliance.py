"""Complaint deadlines as obligations (#14, the clocks of #13): R-CMP-5's hand-off of an
oral complaint (teller → lobby manager after about 3 minutes, lobby manager → service
quality officer after about 10), R-CMP-6's one working day, the reply time promised to the
customer (R-CMP-2), and the regulator's decision clock.

Pure: a case's facts as the complaint service stored them (its due times, the year a
deadline still needs, its replies and its resolution) in; verdicts out, on the ladder of
``rules.compliance``. One obligation per case and clock, subject ``complaint/<id>``, window
from intake to the due time. A deadline the calendar cannot compute yet is never guessed:
its obligation is ``deadline_unknown`` (no due time) until an administrator loads the year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence

from . import calendar as RCAL
from . import compliance as RC

#: R-CMP-5: an oral complaint not settled at once is handed one level up in time.
HANDOFF = "R-CMP-5"
#: R-CMP-6: a phone complaint not settled on the call gets a reply or progress update.
PHONE_REPLY = "R-CMP-6"
#: R-CMP-2 "reply within the promised time": a reply time agreed with the customer.
PROMISED_REPLY = "R-CMP-2"
#: The regulator's clock for consumer complaints (a decision within 15/30/+30 days, #13).
REGULATOR = "R-CMP-REG"
RULES = (HANDOFF, PHONE_REPLY, PROMISED_REPLY, REGULATOR)
#: R-CMP-10: after close, the day's forms are filed and counted (a business day's duty).
DAILY_STATISTICS = "R-CMP-10"
#: Status of an obligation whose due time needs a calendar year nobody loaded.
DEADLINE_UNKNOWN = RC.DEADLINE_UNKNOWN


@dataclass(frozen=True)
class CaseRecord:
    """A complaint case as compliance sees it (all times aware UTC).

    ``replies``: the contacts with the customer and the resolution (each a reply or a
    progress update, R-CMP-6); ``resolution``: the decision (the regulator's clock);
    ``promised_at``: when the latest reply time was promised (replies before it do not keep
    it); ``unknown_year``: a year whose calendar a deadline still needs; ``handoff_due_at``:
    R-CMP-5's hand-off clock of an oral case (``None``: none), ``handoffs`` the events that
    moved the case up a level (routed, escalated)."""

    id: str
    opened_at: datetime
    phone_reply: bool
    reply_due_at: datetime | None
    promised_reply_at: datetime | None
    promised_at: datetime | None
    consumer: bool
    regulator_due_at: datetime | None
    unknown_year: int | None
    replies: Sequence[RC.Record] = ()
    resolution: RC.Record | None = None
    handoff_due_at: datetime | None = None
    handoffs: Sequence[RC.Record] = ()


def complaint_verdicts(
    day: date, case: CaseRecord, now: datetime, watermark: RC.Watermark, *, handoff_grace: timedelta = timedelta(0),
) -> list[RC.Verdict]:
    """The obligations of one case whose intake was on local ``day``: R-CMP-5 for an oral
    case with a hand-off clock, R-CMP-6 for a phone complaint not settled on the call,
    R-CMP-2 once a reply time was promised, and the regulator's clock for a consumer
    complaint. Evidence done by the due time meets it (``met``/``met_synced_late``), after
    it is ``late``; none: ``pending``, then ``unconfirmed``/``missed`` by the owner's
    devices (``watermark``)."""
    replies = sorted(case.replies, key=lambda r: (r.happened_at, r.id))
    out = []
    if case.handoff_due_at is not None:
        out.append(handoff_verdict(day, case, case.handoff_due_at, now, watermark, grace=handoff_grace))
    if case.phone_reply:
        out.append(_verdict(PHONE_REPLY, day, case, case.reply_due_at, replies[0] if replies else None,
                            now, watermark))
    if case.promised_reply_at is not None:
        since = case.promised_at or case.opened_at
        kept = next((r for r in replies if r.happened_at >= since), None)
        out.append(_verdict(PROMISED_REPLY, day, case, case.promised_reply_at, kept, now, watermark))
    if case.consumer:
        out.append(_verdict(REGULATOR, day, case, case.regulator_due_at, case.resolution, now, watermark))
    return out


def handoff_verdict(
    day: date, case: CaseRecord, handoff_at: datetime, now: datetime, watermark: RC.Watermark, *,
    grace: timedelta = timedelta(0),
) -> RC.Verdict:
    """R-CMP-5: the taker of an oral complaint (teller, relationship manager: about 3
    minutes; lobby manager: about 10) hands it one level up, or settles it, by
    ``handoff_at`` (the case's ``handoff_due_at``) plus the branch's ``grace`` ("about").
    The first hand-off (routed, escalated) or the resolution, whichever came first,
    proves it by its ``happened_at``: by the due time ``met``/``met_synced_late``, after it
    ``late``. Window: intake to the hand-off time."""
    due = handoff_at + grace
    done = [*case.handoffs, *([case.resolution] if case.resolution is not None else [])]
    proof = min(done, key=lambda r: (r.happened_at, r.id)) if done else None
    if proof is not None:
        status, evidence, detail = RC.judge_done(proof, due, late_allowed=True), (proof.id,), {}
    else:
        status, detail = RC.absent(now, due, watermark)
        evidence = ()
    return RC.Verdict(HANDOFF, "complaint", case.id, day, case.opened_at, handoff_at, due, status,
                      evidence, proof.clock_suspect if proof else False, detail)


def statistics_verdict(
    day: date, closes_at: datetime, due: datetime, filing: RC.Record | None, now: datetime, watermark: RC.Watermark,
    *, branch_id: str,
) -> RC.Verdict:
    """R-CMP-10: on each business day the lobby manager files the day's forms and
    statistics after close of business (``closes_at``), by ``due``; filed later (for an
    earlier business date) it is ``late``. Subject ``branch/<id>``."""
    if filing is not None:
        status, evidence, detail = RC.judge_done(filing, due, late_allowed=True), (filing.id,), {}
    else:
        status, detail = RC.absent(now, due, watermark)
        evidence = ()
    return RC.Verdict(DAILY_STATISTICS, "branch", branch_id, day, closes_at, due, due, status, evidence,
                      filing.clock_suspect if filing else False, detail)


def _verdict(
    rule: str, day: date, case: CaseRecord, due: datetime | None, proof: RC.Record | None, now: datetime,
    watermark: RC.Watermark,
) -> RC.Verdict:
    if due is None:
        year = case.unknown_year
        detail = {"deadline_unknown": RCAL.unknown_message(year), "year": year} if year is not None else {}
        evidence = (proof.id,) if proof is not None else ()
        return RC.Verdict(rule, "complaint", case.id, day, case.opened_at, None, None, DEADLINE_UNKNOWN, evidence,
                          proof.clock_suspect if proof else False, detail)
    if proof is not None:
        status, evidence, detail = RC.judge_done(proof, due, late_allowed=True), (proof.id,), {}
    else:
        status, detail = RC.absent(now, due, watermark)
        evidence = ()
    return RC.Verdict(rule, "complaint", case.id, day, case.opened_at, due, due, status, evidence,
                      proof.clock_suspect if proof else False, detail)
