"""R-SEC-5: one self-service patrol per guarded clock hour, judged by happened_at."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.rules import patrol_compliance as PC

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 28)
ROUND_THE_CLOCK = {k: [["00:00", "24:00"]] for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")}


def local(h: int, m: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=SH).astimezone(timezone.utc)


def hour(h: int) -> tuple[datetime, datetime]:
    return local(h), local(h) + timedelta(hours=1)


def patrol(pid: str, at: datetime, received: datetime | None = None) -> PC.PatrolTimes:
    return PC.PatrolTimes(pid, at, received or at)


def test_r_sec_5_late_sync_still_on_time():
    """A patrol done at 10:05 and synced at 12:30 met the 10:00 hour (synced late)."""
    [v] = PC.judge_hours([hour(10)], [patrol("p", local(10, 5), local(12, 30))], now=local(12, 31))
    assert v.status == PC.MET_SYNCED_LATE and v.is_met and v.evidence == ("p",)


def test_r_sec_5_on_time_sync_is_met():
    [v] = PC.judge_hours([hour(10)], [patrol("p", local(10, 5), local(10, 6))], now=local(10, 6))
    assert v.status == PC.MET


def test_r_sec_5_met_as_soon_as_evidence_arrives_while_window_open():
    [v] = PC.judge_hours([hour(10)], [patrol("p", local(10, 5))], now=local(10, 6))
    assert v.status == PC.MET


def test_r_sec_5_pending_until_grace_ends_then_missed():
    windows = [hour(10)]
    assert PC.judge_hours(windows, [], now=local(11, 9))[0].status == PC.PENDING
    assert PC.judge_hours(windows, [], now=local(11, 10))[0].status == PC.MISSED


def test_r_sec_5_grace_is_a_branch_setting():
    settings = {"patrol_grace_minutes": 30}
    assert PC.judge_hours([hour(10)], [], now=local(11, 20), settings=settings)[0].status == PC.PENDING
    [v] = PC.judge_hours([hour(10)], [patrol("p", local(11, 25))], now=local(11, 26), settings=settings)
    assert v.status == PC.MET and v.due_at == local(11, 30)


def test_r_sec_5_patrol_proves_its_own_hour_before_the_previous_one():
    """A lone 11:05 patrol proves 11:00; it cannot also cover 10:00."""
    verdicts = PC.judge_hours([hour(10), hour(11)], [patrol("p", local(11, 5))], now=local(13))
    assert [v.status for v in verdicts] == [PC.MISSED, PC.MET]


def test_r_sec_5_second_patrol_lets_the_grace_period_rescue_the_previous_hour():
    """11:05 (within 10 minutes' grace) covers 10:00 when 11:40 covers 11:00."""
    ps = [patrol("a", local(11, 5)), patrol("b", local(11, 40))]
    verdicts = PC.judge_hours([hour(10), hour(11)], ps, now=local(13))
    assert [(v.status, v.evidence) for v in verdicts] == [(PC.MET, ("a",)), (PC.MET, ("b",))]


def test_r_sec_5_patrol_outside_grace_does_not_cover_previous_hour():
    verdicts = PC.judge_hours([hour(10), hour(11)], [patrol("p", local(11, 15))], now=local(13))
    assert [v.status for v in verdicts] == [PC.MISSED, PC.MET]


def test_r_sec_5_two_patrols_in_one_hour_prove_one_hour():
    ps = [patrol("a", local(10, 5)), patrol("b", local(10, 50))]
    verdicts = PC.judge_hours([hour(10), hour(11)], ps, now=local(13))
    assert [v.status for v in verdicts] == [PC.MET, PC.MISSED]


def test_r_sec_5_an_hour_without_evidence_past_due_is_missed_with_its_window():
    # unconfirmed vs missed is rules.compliance's (the device watermarks), tested there
    [v] = PC.judge_hours([hour(10)], [], now=local(12))
    assert (v.window_start, v.window_end, v.due_at, v.status) == (local(10), local(11), local(11, 10), PC.MISSED)


def test_r_sec_5_clock_suspect_evidence_is_flagged():
    p = PC.PatrolTimes("p", local(10, 5), local(10, 5), clock_suspect=True)
    [v] = PC.judge_hours([hour(10)], [p], now=local(10, 6))
    assert v.status == PC.MET and v.clock_suspect


def test_r_sec_5_guarded_round_the_clock_gives_24_local_hours():
    windows = PC.guarded_hour_windows(DAY, ROUND_THE_CLOCK, SH)
    assert len(windows) == 24
    assert windows[0] == (local(0), local(1)) and windows[-1][1] == local(0, day=date(2026, 11, 29))


def test_r_sec_5_partial_hours_at_interval_edges():
    spec = {"sat": [["08:30", "10:00"], ["18:00", "19:15"]]}  # 2026-11-28 is a Saturday
    windows = PC.guarded_hour_windows(DAY, spec, SH)
    assert windows == [
        (local(8, 30), local(9)), (local(9), local(10)), (local(18), local(19)), (local(19), local(19, 15)),
    ]
    assert PC.guarded_hour_windows(DAY, {"sun": [["00:00", "24:00"]]}, SH) == []


@settings(deadline=None, max_examples=60)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=24 * 60 - 1), max_size=40),
    delays=st.lists(st.integers(min_value=0, max_value=600), min_size=40, max_size=40),
)
def test_r_sec_5_each_patrol_proves_at_most_one_hour(offsets, delays):
    windows = PC.guarded_hour_windows(DAY, ROUND_THE_CLOCK, SH)
    ps = [patrol(f"p{i}", local(0) + timedelta(minutes=o), local(0) + timedelta(minutes=o + delays[i]))
          for i, o in enumerate(offsets)]
    verdicts = PC.judge_hours(windows, ps, now=local(0) + timedelta(days=2))
    used = [e for v in verdicts for e in v.evidence]
    assert len(used) == len(set(used))
    assert sum(v.is_met for v in verdicts) <= len(ps)
    for v in verdicts:
        assert v.status in (PC.MET, PC.MET_SYNCED_LATE, PC.MISSED)


@pytest.mark.parametrize("hhmm", ["10:00", "10:59"])
def test_r_sec_5_hour_inside_window_counts(hhmm):
    h, m = (int(x) for x in hhmm.split(":"))
    [v] = PC.judge_hours([hour(10)], [patrol("p", local(h, m))], now=local(h, m))
    assert v.is_met
