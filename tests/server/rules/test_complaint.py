"""Complaint rules: routing per channel (R-CMP-6..9), the chain (R-CMP-4), both clocks."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from server.rules import calendar as RC
from server.rules import complaint as CR
from server.rules.settings import DEFAULTS

SH = "Asia/Shanghai"
HOURS = {k: [["09:00", "17:00"]] for k in (*RC.WEEKDAY_KEYS, "holiday")}
SETTINGS = {k: DEFAULTS[k] for k in CR.CLOCK_SETTINGS}
Y2027 = RC.LoadedYear(2027, True, datetime(2027, 1, 2, tzinfo=timezone.utc), {date(2027, 1, 1): ("holiday", "元旦")})


def sh(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(SH))


def cal(*loads):
    return RC.build_calendar(chinese_calendar.holidays, chinese_calendar.workdays, "chinese-calendar 1.11.0", loads)


def clocks(facts, settings=SETTINGS, calendar=None):
    return CR.clocks(facts, settings, calendar or cal(), HOURS, SH, "mon")


@pytest.mark.parametrize(
    ("channel", "level", "rule", "report"),
    [
        ("oral", None, "R-CMP-5", False),
        ("phone", "service_quality_officer", "R-CMP-6", False),
        ("suggestion_box", None, "R-BOX-4", False),
        ("letter", "service_quality_officer", "R-CMP-7", False),
        ("regulator_letter", "regional_officer", "R-CMP-7", True),
        ("media", "service_quality_officer", "R-CMP-8", False),
        ("internet", "regional_officer", "R-CMP-8", False),
        ("press", "regional_officer", "R-CMP-8", False),
        ("hotline", None, "R-CMP-9", False),
    ],
)
def test_every_channel_routes_at_intake(channel, level, rule, report):
    route = CR.route(channel, settled=False, hotline_ticket="T-1")
    assert (route.level, route.rule, route.report_to_regulator) == (level, rule, report)


def test_r_cmp_9_hotline_needs_its_ticket():
    with pytest.raises(CR.ComplaintRefusal) as err:
        CR.route("hotline", settled=False, hotline_ticket=" ")
    assert err.value.code == "hotline_ticket_required"


def test_r_cmp_6_phone_settled_on_the_call_is_not_routed():
    assert CR.route("phone", settled=True, hotline_ticket=None).level is None


def test_r_cmp_4_one_level_at_a_time():
    step = CR.check_escalation("taker", "lobby_manager", skip_level=False, reason=None)
    assert step.skipped == ()
    with pytest.raises(CR.ComplaintRefusal) as err:
        CR.check_escalation("taker", "service_quality_officer", skip_level=False, reason="busy")
    assert err.value.code == "level_skipped" and err.value.detail == {"next_level": "lobby_manager"}


def test_r_cmp_2_skip_with_reason_is_marked():
    step = CR.check_escalation("lobby_manager", "branch_vice_president", skip_level=True, reason="customer asked for a manager")
    assert step.skipped == ("service_quality_officer",)


@pytest.mark.parametrize(
    ("current", "target", "skip", "reason", "code"),
    [
        ("lobby_manager", "branch_president", True, "", "skip_reason_required"),
        ("lobby_manager", "service_quality_officer", True, "why", "not_a_skip"),
        ("service_quality_officer", "lobby_manager", False, None, "not_higher"),
        ("taker", "taker", False, None, "unknown_level"),
        ("taker", "ceo", False, None, "unknown_level"),
    ],
)
def test_r_cmp_4_escalation_refusals(current, target, skip, reason, code):
    with pytest.raises(CR.ComplaintRefusal) as err:
        CR.check_escalation(current, target, skip_level=skip, reason=reason)
    assert err.value.code == code


def test_taker_levels_and_stale_codes():
    assert CR.taker_level("teller") == "taker"
    assert CR.taker_level("lobby_manager") == "lobby_manager"
    with pytest.raises(CR.ComplaintRefusal):
        CR.taker_level("guard")
    assert CR.stale_code("escalated") == "case_escalated"
    assert CR.stale_code(None) == "not_owner"


def test_r_cmp_5_oral_handoff_clock_from_settings():
    at = sh(2026, 11, 27, 10, 0)
    teller = clocks(CR.CaseFacts("oral", "taker", at))
    assert teller.handoff_due_at == at + timedelta(minutes=3) and teller.handoff_to == "lobby_manager"
    lobby = clocks(CR.CaseFacts("oral", "lobby_manager", at), {**SETTINGS, "complaint_lobby_handoff_minutes": 7})
    assert lobby.handoff_due_at == at + timedelta(minutes=7) and lobby.handoff_to == "service_quality_officer"
    assert teller.due_at == teller.handoff_due_at and teller.due_clock == "manual"


def test_r_cmp_6_phone_reply_across_the_national_day_week():
    # Taken on 30 September 2026; 1-7 October are holidays, so the day is 8 October.
    c = clocks(CR.CaseFacts("phone", "taker", sh(2026, 9, 30, 15)))
    assert c.reply_due.due_at == sh(2026, 10, 8, 17) and c.due_clock == "manual"


def test_the_regulator_clock_calendar_days_by_default():
    c = clocks(CR.CaseFacts("letter", "taker", sh(2026, 11, 2, 10)))
    assert c.regulator_due.due_at == sh(2026, 11, 18, 0)  # 15 days after the 2nd, to 24:00
    complex_ = clocks(CR.CaseFacts("letter", "taker", sh(2026, 11, 2, 10), complex=True, extended=True))
    assert complex_.regulator_due.due_at == sh(2027, 1, 2, 0)  # 60 days
    paused = clocks(CR.CaseFacts("letter", "taker", sh(2026, 11, 2, 10), paused=timedelta(days=3)))
    assert paused.regulator_due.due_at == sh(2026, 11, 21, 0)


def test_the_regulator_clock_in_working_days_when_the_branch_says_so():
    c = clocks(CR.CaseFacts("letter", "taker", sh(2026, 9, 30, 10)), {**SETTINGS, "complaint_regulator_day_basis": "working"})
    # 15 working days after 30 Sept: October 8, 9, 10 (调休 Saturday), 12-16, 19-23, 26, 27.
    assert c.regulator_due.working_date == date(2026, 10, 27)


def test_a_phone_complaint_on_31_december_2026_has_no_guessed_deadline():
    facts = CR.CaseFacts("phone", "taker", sh(2026, 12, 31, 15))
    before = clocks(facts)
    assert isinstance(before.reply_due, RC.Unknown) and before.unknown_year == 2027
    assert before.reply_due.message == "deadline unknown: the 2027 calendar is not loaded"
    assert before.due_clock == "regulator"  # the regulator's calendar days are still known
    after = clocks(facts, calendar=cal(Y2027))
    assert after.unknown_year is None
    assert after.reply_due.due_at == sh(2027, 1, 4, 17)  # 1 Jan holiday, 2-3 weekend
    assert after.reply_due.calendar.startswith("loaded:2027@") and after.due_clock == "manual"
