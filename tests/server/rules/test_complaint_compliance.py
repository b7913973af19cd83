"""Complaint deadlines as verdicts (#14): R-CMP-6, R-CMP-2's promised reply, the regulator's
clock, and a deadline the calendar cannot compute (never a guess)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from server.rules import alert as RA
from server.rules import complaint_compliance as CC
from server.rules import compliance as RC

UTC = timezone.utc
DAY = date(2026, 11, 28)
OPENED = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai
DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 17:00
REG = datetime(2026, 12, 13, 16, 0, tzinfo=UTC)
H, M, US = timedelta(hours=1), timedelta(minutes=1), timedelta(microseconds=1)


def rec(rid, happened, received=None, suspect=False):
    return RC.Record(rid, happened, received or happened, suspect)


def no_devices(_due):
    return None, []


def silent_since(t):
    return lambda _due: (t, [{"client_id": "c", "staff_id": "s", "synced_until": t.isoformat()}])


def case(**over):
    base = dict(id="c1", opened_at=OPENED, phone_reply=True, reply_due_at=DUE, promised_reply_at=None,
                promised_at=None, consumer=False, regulator_due_at=None, unknown_year=None)
    return CC.CaseRecord(**{**base, **over})


def by_rule(verdicts):
    return {v.rule: v for v in verdicts}


def test_r_cmp_6_verdict_in_full():
    (v,) = CC.complaint_verdicts(DAY, case(), DUE - US, no_devices)
    assert v == RC.Verdict("R-CMP-6", "complaint", "c1", DAY, OPENED, DUE, DUE, RC.PENDING, (), False, {})
    assert v.version == 1


@pytest.mark.parametrize("replies, now, status, evidence", [
    ((), DUE - US, RC.PENDING, ()),
    ((), DUE, RC.MISSED, ()),
    ((rec("r1", DUE),), DUE + H, RC.MET, ("r1",)),  # a reply at the due time is in time
    ((rec("r1", DUE - M, DUE + US),), DUE + H, RC.MET_SYNCED_LATE, ("r1",)),
    ((rec("r1", DUE + US),), DUE + H, RC.LATE, ("r1",)),
    ((rec("r2", DUE + M), rec("r1", DUE - M)), DUE + H, RC.MET, ("r1",)),  # the earliest reply decides
])
def test_r_cmp_6_ladder(replies, now, status, evidence):
    (v,) = CC.complaint_verdicts(DAY, case(replies=replies), now, no_devices)
    assert (v.status, v.evidence) == (status, evidence)


def test_r_cmp_6_the_owner_silent_phone_is_unconfirmed_and_a_suspect_clock_shows():
    (v,) = CC.complaint_verdicts(DAY, case(), DUE + H, silent_since(DUE))
    assert v.status == RC.UNCONFIRMED and v.detail["devices"][0]["synced_until"] == DUE.isoformat()
    (v,) = CC.complaint_verdicts(DAY, case(replies=(rec("r1", DUE - H, suspect=True),)), DUE + H, no_devices)
    assert v.clock_suspect is True and v.detail == {}


def test_no_phone_reply_no_promise_no_consumer_means_no_obligation():
    assert CC.complaint_verdicts(DAY, case(phone_reply=False), DUE, no_devices) == []


def test_r_cmp_2_only_replies_after_the_promise_keep_it():
    promised = OPENED + H
    facts = case(phone_reply=False, promised_reply_at=DUE, promised_at=promised,
                 replies=(rec("before", promised - US), rec("at", promised), rec("after", promised + M)))
    (v,) = CC.complaint_verdicts(DAY, facts, DUE + H, no_devices)
    assert (v.rule, v.status, v.evidence, v.due_at, v.window_start) == ("R-CMP-2", RC.MET, ("at",), DUE, OPENED)
    early = case(phone_reply=False, promised_reply_at=DUE, promised_at=promised, replies=(rec("before", OPENED),))
    assert CC.complaint_verdicts(DAY, early, DUE + H, no_devices)[0].status == RC.MISSED
    unknown_when = case(phone_reply=False, promised_reply_at=DUE, replies=(rec("r", OPENED),))
    assert CC.complaint_verdicts(DAY, unknown_when, DUE + H, no_devices)[0].status == RC.MET  # since intake


def test_the_regulator_clock_is_met_by_the_resolution_only():
    facts = case(phone_reply=False, consumer=True, regulator_due_at=REG, replies=(rec("contact", OPENED + H),))
    (v,) = CC.complaint_verdicts(DAY, facts, REG + H, no_devices)
    assert (v.rule, v.status, v.due_at) == ("R-CMP-REG", RC.MISSED, REG)
    done = case(phone_reply=False, consumer=True, regulator_due_at=REG, resolution=rec("res", REG))
    assert CC.complaint_verdicts(DAY, done, REG + H, no_devices)[0].evidence == ("res",)
    late = case(phone_reply=False, consumer=True, regulator_due_at=REG, resolution=rec("res", REG + US))
    assert CC.complaint_verdicts(DAY, late, REG + H, no_devices)[0].status == RC.LATE


def test_all_three_clocks_of_one_case_in_order():
    facts = case(promised_reply_at=DUE - H, consumer=True, regulator_due_at=REG)
    got = CC.complaint_verdicts(DAY, facts, OPENED, no_devices)
    assert [(v.rule, v.business_date, v.subject_id, v.window_start, v.due_at) for v in got] == [
        ("R-CMP-6", DAY, "c1", OPENED, DUE), ("R-CMP-2", DAY, "c1", OPENED, DUE - H), ("R-CMP-REG", DAY, "c1", OPENED, REG)]


def test_a_deadline_the_calendar_cannot_compute_is_its_own_state_never_a_guess():
    facts = case(reply_due_at=None, unknown_year=2027, consumer=True, regulator_due_at=REG)
    got = by_rule(CC.complaint_verdicts(DAY, facts, REG + H, no_devices))
    v = got["R-CMP-6"]
    assert v == RC.Verdict("R-CMP-6", "complaint", "c1", DAY, OPENED, None, None, RC.DEADLINE_UNKNOWN, (), False,
                           {"deadline_unknown": "deadline unknown: the 2027 calendar is not loaded", "year": 2027})
    assert got["R-CMP-REG"].status == RC.MISSED  # the regulator's calendar-day clock still runs
    replied = case(reply_due_at=None, unknown_year=2027, replies=(rec("r1", OPENED + H, suspect=True),))
    (v,) = CC.complaint_verdicts(DAY, replied, DUE, no_devices)
    assert (v.status, v.evidence, v.clock_suspect) == (RC.DEADLINE_UNKNOWN, ("r1",), True)
    assert RC.DEADLINE_UNKNOWN not in RC.SETTLED  # it changes once the year is loaded
    assert RA.alert_kinds("R-CMP-6", RC.DEADLINE_UNKNOWN, None, DUE, None) == set()
    (bare,) = CC.complaint_verdicts(DAY, case(reply_due_at=None), DUE, no_devices)
    assert (bare.status, bare.detail) == (RC.DEADLINE_UNKNOWN, {})


@pytest.mark.parametrize("rule, due, now, expected", [
    ("R-CMP-6", DUE, DUE - 30 * M, {"due_soon"}),
    ("R-CMP-6", DUE, DUE - 30 * M - US, set()),
    ("R-CMP-2", DUE, DUE - M, {"due_soon"}),
    ("R-CMP-REG", REG, REG - 72 * H, {"due_soon"}),  # the regulator's clock warns 3 days ahead
    ("R-CMP-REG", REG, REG - 72 * H - US, set()),
    ("R-CMP-REG", REG, REG, set()),  # at the due time it is no longer pending
])
def test_complaint_clocks_warn_before_they_are_due(rule, due, now, expected):
    assert RA.alert_kinds(rule, RC.PENDING, due, now, None) == expected
    assert RA.ALERT_ROLES[rule] == ("service_quality_officer", "operations_manager")


def test_the_regulator_warning_is_a_branch_setting():
    settings = {"complaint_regulator_due_soon_minutes": 60}
    assert RA.alert_kinds("R-CMP-REG", RC.PENDING, REG, REG - 61 * M, settings) == set()
    assert RA.alert_kinds("R-CMP-REG", RC.PENDING, REG, REG - 60 * M, settings) == {"due_soon"}


def test_r_cmp_10_statistics_filed_in_full():
    close, due = OPENED + 2 * H, OPENED + 9 * H
    filed = rec("f1", due, suspect=True)
    assert CC.statistics_verdict(DAY, close, due, filed, due, no_devices, branch_id="b1") == RC.Verdict(
        "R-CMP-10", "branch", "b1", DAY, close, due, due, RC.MET, ("f1",), True, {})
    assert CC.statistics_verdict(DAY, close, due, rec("f1", due + US), due + H, no_devices,
                                 branch_id="b1").status == RC.LATE
    assert CC.statistics_verdict(DAY, close, due, None, due - US, no_devices, branch_id="b1").status == RC.PENDING
    silent = CC.statistics_verdict(DAY, close, due, None, due + H, silent_since(due), branch_id="b1")
    assert (silent.status, silent.evidence, silent.clock_suspect) == (RC.UNCONFIRMED, (), False)
    assert silent.detail["devices"][0]["synced_until"] == due.isoformat()
    assert silent.version == 1 and RA.ALERT_ROLES["R-CMP-10"] == ("service_quality_officer", "operations_manager")
    assert RA.alert_kinds("R-CMP-10", RC.PENDING, due, due - 30 * M, None) == {"due_soon"}


# ---------------------------------------------------------------- R-CMP-5 hand-off

HANDOFF_AT = OPENED + 3 * M  # a teller's oral case: to the lobby manager after about 3 minutes
GRACE = 2 * M


def oral(**over):
    return case(**{"phone_reply": False, "reply_due_at": None, "handoff_due_at": HANDOFF_AT, **over})


def test_r_cmp_5_verdict_in_full():
    (v,) = CC.complaint_verdicts(DAY, oral(), OPENED + M, no_devices, handoff_grace=GRACE)
    assert v == RC.Verdict("R-CMP-5", "complaint", "c1", DAY, OPENED, HANDOFF_AT, HANDOFF_AT + GRACE,
                           RC.PENDING, (), False, {})
    assert v.version == 1 and "R-CMP-5" in CC.RULES and RA.ALERT_ROLES["R-CMP-5"]


@pytest.mark.parametrize("handoffs, resolution, now, status, evidence", [
    ((), None, HANDOFF_AT + GRACE - US, RC.PENDING, ()),
    ((), None, HANDOFF_AT + GRACE, RC.MISSED, ()),
    ((rec("e1", HANDOFF_AT + GRACE),), None, HANDOFF_AT + H, RC.MET, ("e1",)),  # at the due time: in time
    ((rec("e1", HANDOFF_AT - M, HANDOFF_AT + GRACE + US),), None, HANDOFF_AT + H, RC.MET_SYNCED_LATE, ("e1",)),
    ((rec("e1", HANDOFF_AT + GRACE + US),), None, HANDOFF_AT + H, RC.LATE, ("e1",)),
    ((rec("e2", HANDOFF_AT + H), rec("e1", HANDOFF_AT)), None, HANDOFF_AT + 2 * H, RC.MET, ("e1",)),  # the first
    ((), rec("r1", OPENED + 2 * M), HANDOFF_AT + H, RC.MET, ("r1",)),  # settled in time: nothing to hand on
    ((), rec("r1", HANDOFF_AT + H), HANDOFF_AT + 2 * H, RC.LATE, ("r1",)),  # kept too long, settled late
    ((rec("e1", HANDOFF_AT + H),), rec("r1", OPENED + M), HANDOFF_AT + 2 * H, RC.MET, ("r1",)),  # the first decides
])
def test_r_cmp_5_ladder(handoffs, resolution, now, status, evidence):
    (v,) = CC.complaint_verdicts(DAY, oral(handoffs=handoffs, resolution=resolution), now, no_devices,
                                 handoff_grace=GRACE)
    assert (v.status, v.evidence) == (status, evidence)


def test_r_cmp_5_without_grace_is_due_at_the_handoff_time_and_a_silent_phone_is_unconfirmed():
    (v,) = CC.complaint_verdicts(DAY, oral(), HANDOFF_AT + M, silent_since(HANDOFF_AT - M))
    assert (v.due_at, v.status) == (HANDOFF_AT, RC.UNCONFIRMED)
    assert v.detail["devices"][0]["client_id"] == "c"


def test_r_cmp_5_a_case_without_a_handoff_clock_has_no_handoff_obligation():
    assert "R-CMP-5" not in by_rule(CC.complaint_verdicts(DAY, case(), DUE + H, no_devices))
    assert set(by_rule(CC.complaint_verdicts(DAY, oral(consumer=True, regulator_due_at=REG), OPENED, no_devices))) == {
        "R-CMP-5", "R-CMP-REG"}
