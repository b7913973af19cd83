"""The suggestion box's pure rules (R-BOX-1..3): opening after close, closing conditions."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.rules import suggestion as SR

SH = "Asia/Shanghai"
DAY = date(2026, 11, 27)


def sh(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=ZoneInfo(SH))


def entry(i: int, reply: bool = True, contact: bool = False, last: str | None = None) -> SR.EntryState:
    return SR.EntryState(f"e{i}", reply, contact, last)


def test_r_box_1_close_of_business_from_the_branch_spec():
    closes = SR.close_of_business(DAY, {"fri": "17:00"}, "fri", SH)
    assert closes == sh(DAY, 17)
    assert SR.close_of_business(DAY, {}, "fri", SH) == sh(DAY, 0)


@pytest.mark.parametrize(
    ("at", "late", "code"),
    [
        (sh(DAY, 17, 30), False, None),
        (sh(DAY, 16, 59), None, "before_close_of_business"),
        (sh(date(2026, 11, 28), 9, 0), True, None),  # the next morning: late, accepted
        (sh(date(2026, 11, 26), 20, 0), None, "future_business_date"),
    ],
)
def test_r_box_1_open_after_close_of_business(at, late, code):
    closes = sh(DAY, 17)
    if code:
        with pytest.raises(SR.BoxRefusal) as err:
            SR.check_open(DAY, at, closes, SH)
        assert err.value.code == code and err.value.rule == "R-BOX-1"
    else:
        assert SR.check_open(DAY, at, closes, SH) is late


def test_r_box_1_session_is_due_by_the_end_of_the_business_date():
    due = SR.session_due_at(DAY, SH)
    assert due == sh(date(2026, 11, 28), 0) and due.utcoffset().total_seconds() == 0


def test_r_box_2_close_refused_with_the_entries_missing_a_reply():
    with pytest.raises(SR.BoxRefusal) as err:
        SR.check_close([entry(1), entry(2, reply=False), entry(3, reply=False)], empty=False, slip_count=3,
                       box_entries=3, callbacks_reason=None)
    assert err.value.code == "replies_missing"
    assert err.value.ids == ("e2", "e3")


def test_r_box_3_open_callbacks_need_a_reason():
    entries = [entry(1, contact=True, last="no_answer"), entry(2, contact=True, last="reached"), entry(3, contact=True)]
    with pytest.raises(SR.BoxRefusal) as err:
        SR.check_close(entries, empty=False, slip_count=3, box_entries=3, callbacks_reason="  ")
    assert err.value.code == "callbacks_open" and err.value.ids == ("e1", "e3")
    assert SR.check_close(entries, empty=False, slip_count=3, box_entries=3, callbacks_reason="closed line") == ["e1", "e3"]


@pytest.mark.parametrize(
    ("entries", "empty", "slips", "box", "code"),
    [
        ([], False, 0, 0, "empty_not_stated"),
        ([entry(1)], True, 0, 0, "box_not_empty"),
        ([], True, 2, 0, "box_not_empty"),
        ([entry(1), entry(2)], False, 1, 2, "slip_count_mismatch"),
    ],
)
def test_r_box_1_box_empty_is_stated_never_silent(entries, empty, slips, box, code):
    with pytest.raises(SR.BoxRefusal) as err:
        SR.check_close(entries, empty=empty, slip_count=slips, box_entries=box, callbacks_reason=None)
    assert err.value.code == code


def test_r_box_1_an_empty_box_closes_when_stated():
    assert SR.check_close([], empty=True, slip_count=0, box_entries=0, callbacks_reason=None) == []


@pytest.mark.parametrize(
    ("contact", "last", "code"),
    [(False, None, "no_contact"), (True, "reached", "callback_done"), (True, "wrong_number", "callback_done")],
)
def test_r_box_3_callback_refusals(contact, last, code):
    with pytest.raises(SR.BoxRefusal) as err:
        SR.check_callback(contact, last)
    assert err.value.code == code


def test_r_box_3_no_answer_may_be_retried():
    SR.check_callback(True, "no_answer")
    SR.check_callback(True, None)
    assert SR.callback_state(True, "no_answer") == "no_answer"
    assert SR.callback_state(True, None) == "pending"
    assert SR.callback_state(False, None) == "not_needed"
