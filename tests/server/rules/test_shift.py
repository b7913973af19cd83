"""Pure rules of shifts (R-SEC-2), contractors (R-SEC-8/9), floor (R-OPS-1)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.rules import contractor as C
from server.rules import settings as FS
from server.rules import floor as F
from server.rules import shift as S
from server.rules.calendar import at_local, day_bounds, local_date

T = datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)  # 08:00 Asia/Shanghai
GRACE = timedelta(minutes=10)
A, B = uuid.uuid4(), uuid.uuid4()


def span(staff=A, post="security", start=0, end=None):
    return S.ShiftSpan(uuid.uuid4(), staff, post, T + timedelta(minutes=start), None if end is None else T + timedelta(minutes=end))


def plan(post="security", start=0, end=480, staff=None):
    return S.PlannedShift(uuid.uuid4(), post, T + timedelta(minutes=start), T + timedelta(minutes=end), staff)


def test_settings_default_and_branch_override():
    assert FS.value({}, "unstaffed_grace_minutes") == 10
    assert FS.value({"unstaffed_grace_minutes": 3}, "unstaffed_grace_minutes") == 3
    with pytest.raises(KeyError):
        FS.value({}, "no_such_setting")


@pytest.mark.parametrize(
    "post,role,expected",
    [("security", "guard", None), ("cleaning", "cleaner", None), ("onsite", "onsite", None),
     ("security", "cleaner", "post_not_for_role"), ("vault", "guard", "unknown_post")],
)
def test_r_sec_2_post_refusal(post, role, expected):
    assert S.post_refusal({}, post, role) == expected


def test_r_sec_2_posts_configurable_per_branch():
    settings = {"shift_posts": {"lobby": ["guard", "cleaner"]}}
    assert S.post_refusal(settings, "lobby", "cleaner") is None
    assert S.post_refusal(settings, "security", "guard") == "unknown_post"


def test_r_sec_2_open_shift_overlaps_any_later_start():
    assert S.overlapping([span(start=0)], T + timedelta(hours=9)) is not None


def test_r_sec_2_ended_shift_does_not_overlap_after_its_end():
    ended = span(start=0, end=60)
    assert S.overlapping([ended], T + timedelta(minutes=60)) is None
    assert S.overlapping([ended], T + timedelta(minutes=30)) is ended


def test_r_sec_2_gap_between_shifts_on_a_post():
    assert S.post_gap_minutes(span(start=0, end=60), T + timedelta(minutes=75), {}) == 15
    assert S.post_gap_minutes(span(start=0), T + timedelta(minutes=75), {}) == 0
    assert S.post_gap_minutes(None, T, {}) is None
    assert S.post_gap_minutes(span(start=0, end=60), T + timedelta(hours=30), {}) is None


def test_r_sec_2_gap_tolerance_is_a_branch_setting():
    assert S.is_post_gap(6, {}) and not S.is_post_gap(5, {})
    assert not S.is_post_gap(6, {"post_gap_grace_minutes": 10})
    assert not S.is_post_gap(None, {})


def test_r_sec_2_unstaffed_post_after_grace():
    roster = [plan(start=0)]
    assert S.unstaffed_posts(roster, [], T + timedelta(minutes=9), GRACE) == []
    found = S.unstaffed_posts(roster, [], T + timedelta(minutes=10), GRACE)
    assert [u.post for u in found] == ["security"] and found[0].due_by == T + GRACE


def test_r_sec_2_start_within_grace_staffs_the_post():
    assert S.unstaffed_posts([plan(start=0, staff=A)], [span(staff=A, start=9)], T + timedelta(hours=1), GRACE) == []


def test_r_sec_2_late_start_beyond_grace_still_unstaffed():
    assert len(S.unstaffed_posts([plan(start=0)], [span(start=11)], T + timedelta(hours=1), GRACE)) == 1


def test_r_sec_2_stand_in_staffs_the_post_and_named_person_first():
    roster = [plan(start=0, staff=A), plan(start=0, staff=B)]
    shifts = [span(staff=B, start=-5), span(staff=uuid.uuid4(), start=1)]
    assert S.unstaffed_posts(roster, shifts, T + timedelta(hours=1), GRACE) == []
    only_b = S.unstaffed_posts(roster, [span(staff=B, start=0)], T + timedelta(hours=1), GRACE)
    assert [u.staff_id for u in only_b] == [A]


def test_r_sec_2_other_post_or_too_early_does_not_staff():
    roster = [plan(start=0)]
    assert len(S.unstaffed_posts(roster, [span(post="cleaning", start=0)], T + timedelta(hours=1), GRACE)) == 1
    assert len(S.unstaffed_posts(roster, [span(start=-120, end=-60)], T + timedelta(hours=1), GRACE)) == 1


def test_r_sec_2_planned_shift_over_is_not_a_live_alert():
    assert S.unstaffed_posts([plan(start=0, end=60)], [], T + timedelta(minutes=61), GRACE) == []


@pytest.mark.parametrize(
    "badge,on,expected",
    [
        (None, date(2026, 11, 28), "badge_unknown"),
        (C.Badge("B1", date(2026, 1, 1), date(2026, 12, 31), revoked=True), date(2026, 11, 28), "badge_revoked"),
        (C.Badge("B1", date(2026, 1, 1), date(2026, 11, 27)), date(2026, 11, 28), "badge_expired"),
        (C.Badge("B1", date(2026, 11, 29), date(2026, 12, 31)), date(2026, 11, 28), "badge_not_yet_valid"),
        (C.Badge("B1", date(2026, 11, 28), date(2026, 11, 28)), date(2026, 11, 28), None),
    ],
)
def test_r_sec_8_badge_refusal(badge, on, expected):
    assert C.badge_refusal(badge, on) == expected


def test_r_sec_8_scope():
    badge = C.Badge("B1", date(2026, 1, 1), date(2026, 12, 31), scope=("atm",))
    assert C.is_outside_scope(badge, "vault") and not C.is_outside_scope(badge, "atm")
    assert not C.is_outside_scope(badge, None)
    assert not C.is_outside_scope(C.Badge("B2", date(2026, 1, 1), date(2026, 12, 31)), "vault")


def test_r_sec_9_display_name_marks_non_bank():
    assert C.display_name("赵工", "ATM 维保") == "赵工（ATM 维保 · 非本行 non-bank）"
    assert C.NON_BANK_MARK in C.display_name("X", None)


def test_r_ops_1_slots_default_and_configurable():
    assert F.round_slots({}) == {"0930": "09:30", "1130": "11:30", "1600": "16:00"}
    assert F.slot_time({"floor_round_slots": {"1000": "10:00"}}, "0930", date(2026, 11, 28), "Asia/Shanghai") is None
    due = F.slot_time({}, "0930", date(2026, 11, 28), "Asia/Shanghai")
    assert due == datetime(2026, 11, 28, 1, 30, tzinfo=timezone.utc)
    assert F.minutes_from_slot(due, due + timedelta(minutes=7, seconds=30)) == 7
    assert F.minutes_from_slot(due, due - timedelta(minutes=5)) == -5


def test_local_day_helpers():
    assert local_date(datetime(2026, 11, 27, 16, 30, tzinfo=timezone.utc), "Asia/Shanghai") == date(2026, 11, 28)
    start, end = day_bounds(date(2026, 11, 28), "Asia/Shanghai")
    assert start == datetime(2026, 11, 27, 16, tzinfo=timezone.utc) and end - start == timedelta(days=1)
    assert at_local(date(2026, 11, 28), "16:00", "Asia/Shanghai").hour == 8

_plans = st.lists(st.tuples(st.sampled_from(["security", "cleaning"]), st.integers(-600, 600), st.integers(1, 600)),
                  max_size=6)


@given(_plans, st.integers(-600, 1200))
def test_r_sec_2_unstaffed_posts_properties(raw, now_min):
    """Without shifts, exactly the due and running plans are reported; with each named
    person starting on time, none is; a report is always due and running."""
    now = T + timedelta(minutes=now_min)
    staff = [uuid.uuid4() for _ in raw]
    roster = [plan(post, start, start + length, who) for (post, start, length), who in zip(raw, staff)]
    found = S.unstaffed_posts(roster, [], now, GRACE)
    assert {u.planned_id for u in found} == {p.id for p in roster if p.starts_at + GRACE <= now < p.ends_at}
    on_time = [S.ShiftSpan(uuid.uuid4(), p.staff_id, p.post, p.starts_at) for p in roster]
    assert S.unstaffed_posts(roster, on_time, now, GRACE) == []
    for u in S.unstaffed_posts(roster, on_time[: len(on_time) // 2], now, GRACE):
        assert u.due_by <= now
