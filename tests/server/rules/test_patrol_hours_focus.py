"""The R-SEC-5 hours a push re-judges (#17, ``compliance_focus.patrol_hours``): judged
alone, with only the first patrols of each piece (``patrol_slices``), the kept hours get
the verdicts they get among all the day's hours, and the hours not kept are the same with
the new patrol or without it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.rules import patrol_compliance as PC
from server.services.compliance_focus import patrol_hours, patrol_slices

UTC = timezone.utc
DAY = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # local midnight in Asia/Shanghai
M, H = timedelta(minutes=1), timedelta(hours=1)
GRACE = 10 * M
SETTINGS = {"patrol_grace_minutes": 10}
NOW = DAY + 30 * H


def hours(n: int = 24) -> list[tuple[datetime, datetime]]:
    return [(DAY + i * H, DAY + (i + 1) * H) for i in range(n)]


def by_start(verdicts: list[PC.HourVerdict]) -> dict[datetime, PC.HourVerdict]:
    return {v.window_start: v for v in verdicts}


def test_a_patrol_keeps_its_hour_and_the_one_before_and_judges_one_more_each_side():
    context, keep = patrol_hours(hours(), [(DAY + 10 * H + 30 * M,) * 2], GRACE)
    assert keep == {DAY + 9 * H, DAY + 10 * H}  # 09:00 may take a grace pick 10:00 frees
    assert context == [(DAY + i * H, DAY + (i + 1) * H) for i in (9, 10, 11)]


def test_a_patrol_in_the_grace_period_keeps_the_hour_before_it_too():
    _context, keep = patrol_hours(hours(), [(DAY + 10 * H + 5 * M,) * 2], GRACE)
    assert keep == {DAY + 8 * H, DAY + 9 * H, DAY + 10 * H}


def test_a_span_until_now_keeps_every_hour_whose_guards_it_can_change():
    _context, keep = patrol_hours(hours(), [(DAY + 13 * H + 20 * M, DAY + 15 * H)], GRACE)
    assert keep == {DAY + i * H for i in (12, 13, 14, 15)}  # on duty in [end - 1 h, end + grace)


def test_short_windows_chain_back_through_their_grace_periods():
    windows = [(DAY + 8 * H, DAY + 9 * H), (DAY + 9 * H, DAY + 9 * H + 5 * M), (DAY + 9 * H + 5 * M, DAY + 10 * H)]
    _context, keep = patrol_hours(windows, [(DAY + 9 * H + 20 * M,) * 2], GRACE)
    assert keep == {DAY + 8 * H, DAY + 9 * H, DAY + 9 * H + 5 * M}


#: A few hours of a day: dense enough that hours compete for patrols.
minutes = st.integers(min_value=0, max_value=5 * 60 - 1)


@st.composite
def day_of_hours(draw):
    """Some guarded windows of a day (clock hours, some cut short) and patrols."""
    cuts = sorted(draw(st.sets(minutes, min_size=2, max_size=8)))
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        start = a
        while start < b:  # clock hours, with partial hours at the edges (``clock_hour_windows``)
            end = min((start // 60 + 1) * 60, b)
            pieces.append((start, end))
            start = end
    kept = draw(st.lists(st.integers(0, 5), min_size=len(pieces), max_size=len(pieces)))  # mostly kept: gaps too
    windows = [(DAY + a * M, DAY + b * M) for (a, b), k in zip(pieces, kept) if k]
    patrols = [PC.PatrolTimes(f"p{i}", DAY + m * M, DAY + m * M + draw(st.integers(0, 200)) * M)
               for i, m in enumerate(draw(st.lists(minutes, max_size=12)))]
    return windows, patrols


@settings(max_examples=400)
@given(day_of_hours(), minutes, st.integers(min_value=0, max_value=5 * 60))
def test_r_sec_5_kept_hours_judged_alone_equal_the_whole_day(day, at, length):
    windows, patrols = day
    span = (DAY + at * M, DAY + (at + length) * M)
    context, keep = patrol_hours(windows, [span], GRACE)
    whole = by_start(PC.judge_hours(windows, patrols, NOW, SETTINGS))
    ordered = sorted(patrols, key=lambda p: (p.happened_at, p.id))
    read = {p.id: p for a, b, k in patrol_slices(context, GRACE) for p in [q for q in ordered if a <= q.happened_at < b][:k]}
    alone = by_start(PC.judge_hours(context, list(read.values()), NOW, SETTINGS))  # what duty.load reads of them
    assert {s: alone[s] for s in keep} == {s: whole[s] for s in keep}


@settings(max_examples=400)
@given(day_of_hours(), minutes)
@example(([(DAY + i * H, DAY + (i + 1) * H) for i in range(3)], [PC.PatrolTimes("p0", DAY + 65 * M, DAY + 65 * M)]),
         90)  # 01:30 becomes the 01:00 hour's pick and frees 01:05 for the 00:00 hour's grace
def test_r_sec_5_a_new_patrol_changes_no_hour_it_does_not_keep(day, at):
    windows, patrols = day
    new = PC.PatrolTimes("new", DAY + at * M, DAY + at * M)
    _context, keep = patrol_hours(windows, [(new.happened_at, new.happened_at)], GRACE)
    before = by_start(PC.judge_hours(windows, patrols, NOW, SETTINGS))
    after = by_start(PC.judge_hours(windows, patrols + [new], NOW, SETTINGS))
    assert {s: v for s, v in after.items() if s not in keep} == {s: v for s, v in before.items() if s not in keep}
