"""The working-day calendar's pure rules: China's days, R-CMP-6 deadlines, the unknown year."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from server.rules import calendar as RC

PKG = "chinese-calendar 1.11.0"
SH = "Asia/Shanghai"
NINE_TO_FIVE = {k: [["09:00", "17:00"]] for k in (*RC.WEEKDAY_KEYS, "holiday")}
LOADED_AT = datetime(2026, 12, 31, 9, 30, tzinfo=timezone.utc)
#: 2027 as an administrator would load it (not the real schedule: a test's own data).
Y2027 = RC.LoadedYear(
    2027,
    True,
    LOADED_AT,
    {date(2027, 1, 1): ("holiday", "元旦"), date(2027, 2, 6): ("workday", "春节调休")},
)


def sh(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(SH))


def utc(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=timezone.utc)


def calendar(*loads: RC.LoadedYear) -> RC.WorkingCalendar:
    return RC.build_calendar(chinese_calendar.holidays, chinese_calendar.workdays, PKG, loads)


def deadline(at, n=1, hours=NINE_TO_FIVE, zone=SH, cal=None, adjusted="mon"):
    return RC.add_working_days(cal or calendar(), at, n, hours, zone, adjusted_workday_hours=adjusted)


def test_the_package_knows_2004_to_2026_and_not_2027():
    cal = calendar()
    assert cal.is_known(2004) and cal.is_known(2026)
    assert not cal.is_known(2003) and not cal.is_known(2027)


def test_a_statutory_holiday_is_no_working_day():
    cal = calendar()
    national_day = cal.day(date(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.is_working) == ("holiday", "National Day", False)
    assert not cal.is_working_day(date(2026, 10, 7))  # a Wednesday, still the holiday week
    assert cal.is_working_day(date(2026, 10, 8))


def test_adjusted_working_weekends_are_working_days():
    cal = calendar()
    for saturday in (date(2026, 2, 14), date(2026, 2, 28)):  # 春节调休上班
        assert saturday.weekday() == 5
        day = cal.day(saturday)
        assert (day.kind, day.is_working) == ("adjusted_workday", True)
        assert day.name == "Spring Festival"
    assert cal.day(date(2026, 2, 21)).kind == "holiday"  # a Saturday inside the festival
    assert cal.day(date(2026, 3, 7)).kind == "weekend" and not cal.is_working_day(date(2026, 3, 7))
    assert cal.day(date(2026, 3, 9)).kind == "workday"


def test_a_date_in_an_unknown_year_raises_instead_of_guessing():
    with pytest.raises(RC.YearUnknown) as err:
        calendar().is_working_day(date(2027, 1, 4))  # a Monday: a guess would say yes
    assert err.value.year == 2027
    assert str(err.value) == "deadline unknown: the 2027 calendar is not loaded"


def test_r_cmp_6_friday_before_qingming_is_due_at_close_on_tuesday():
    """Taken Friday 3 April 2026 15:00; 4-6 April off: due Tuesday 7 April at 17:00 local."""
    got = deadline(sh(2026, 4, 3, 15))
    assert got == RC.Deadline(utc(2026, 4, 7, 9), date(2026, 4, 7), PKG)


def test_r_cmp_6_across_the_national_day_week():
    got = deadline(sh(2026, 9, 30, 15))
    assert got.working_date == date(2026, 10, 8) and got.due_at == utc(2026, 10, 8, 9)
    assert deadline(sh(2026, 9, 30, 15), n=2).working_date == date(2026, 10, 9)
    # Saturday 10 October is worked (调休): the third working day after 30 September.
    assert deadline(sh(2026, 9, 30, 15), n=3).working_date == date(2026, 10, 10)


def test_r_cmp_6_the_day_of_intake_never_counts_even_before_opening():
    assert deadline(sh(2026, 3, 10, 8)).working_date == date(2026, 3, 11)
    assert deadline(sh(2026, 3, 10, 23, 59)).working_date == date(2026, 3, 11)
    # On a holiday the first working day after it is the one.
    assert deadline(sh(2026, 10, 3, 11)).working_date == date(2026, 10, 8)


def test_r_cmp_6_a_worked_sunday_keeps_the_hours_the_branch_setting_names():
    hours = {**NINE_TO_FIVE, "sun": [["10:00", "15:00"]], "mon": [["09:00", "18:00"]]}
    friday = sh(2026, 9, 18, 15)  # Sunday 20 September is worked for National Day
    assert deadline(friday, hours=hours).due_at == sh(2026, 9, 20, 18).astimezone(timezone.utc)
    assert deadline(friday, hours=hours, adjusted="sun").due_at == sh(2026, 9, 20, 15).astimezone(timezone.utc)


def test_r_cmp_6_close_of_business_is_the_latest_interval_end_or_midnight():
    split = {**NINE_TO_FIVE, "wed": [["09:00", "12:00"], ["13:30", "18:30"]]}
    assert deadline(sh(2026, 3, 10, 15), hours=split).due_at == utc(2026, 3, 11, 10, 30)
    closed = {**NINE_TO_FIVE, "wed": []}
    assert deadline(sh(2026, 3, 10, 15), hours=closed).due_at == utc(2026, 3, 11, 16)  # 24:00 local
    late = {**NINE_TO_FIVE, "wed": [["09:00", "20:00"]]}
    assert deadline(sh(2026, 3, 10, 15), hours=late).due_at == utc(2026, 3, 11, 12)


def test_r_cmp_6_the_branch_zone_decides_the_local_day():
    at = utc(2026, 9, 19, 16, 30)  # Shanghai: Sunday 20 Sept 00:30 (worked); London: Saturday 17:30
    shanghai = deadline(at)
    assert shanghai.working_date == date(2026, 9, 21) and shanghai.due_at == utc(2026, 9, 21, 9)
    london = deadline(at, zone="Europe/London")
    assert london.working_date == date(2026, 9, 20) and london.due_at == utc(2026, 9, 20, 16)  # 17:00 BST


def test_r_cmp_6_a_close_on_a_daylight_saving_day_is_local_wall_time():
    # New York springs forward on Sunday 8 March 2026; Monday 9 March 17:00 EDT is 21:00Z.
    assert deadline(utc(2026, 3, 6, 20), zone="America/New_York").due_at == utc(2026, 3, 9, 21)


def test_r_cmp_6_a_complaint_on_new_years_eve_2026_is_unknown_not_guessed():
    got = deadline(sh(2026, 12, 31, 16))
    assert got == RC.Unknown(2027)
    assert got.message == "deadline unknown: the 2027 calendar is not loaded"
    assert deadline(sh(2026, 12, 30, 16)).working_date == date(2026, 12, 31)
    assert deadline(sh(2026, 12, 30, 16), n=2) == RC.Unknown(2027)


def test_r_cmp_6_after_2027_is_loaded_complete_the_deadline_is_computed_and_says_by_what():
    cal = calendar(Y2027)
    got = deadline(sh(2026, 12, 31, 16), cal=cal)
    # 1 January 2027 (Friday) is the loaded holiday, then the weekend: Monday 4 January.
    assert got == RC.Deadline(utc(2027, 1, 4, 9), date(2027, 1, 4), "loaded:2027@2026-12-31T09:30:00Z")
    both = deadline(sh(2026, 12, 30, 16), n=2, cal=cal)
    assert both.working_date == date(2027, 1, 4)
    assert both.calendar == f"{PKG}; loaded:2027@2026-12-31T09:30:00Z"
    assert cal.is_working_day(date(2027, 2, 6))  # the loaded 调休 Saturday


def test_an_incomplete_load_leaves_the_year_unknown():
    partial = RC.LoadedYear(2027, False, LOADED_AT, {date(2027, 1, 1): ("holiday", "元旦")})
    cal = calendar(partial)
    assert not cal.is_known(2027)
    assert deadline(sh(2026, 12, 31, 16), cal=cal) == RC.Unknown(2027)
    assert [d.day for d in cal.listed_days(2027)] == [date(2027, 1, 1)]


def test_a_load_corrects_a_year_the_package_knows():
    closure = RC.LoadedYear(
        2026, False, LOADED_AT, {date(2026, 10, 8): ("holiday", "branch closure"), date(2026, 10, 7): ("workday", None)}
    )
    cal = calendar(closure)
    assert cal.day(date(2026, 10, 8)).kind == "holiday" and cal.day(date(2026, 10, 7)).kind == "workday"
    got = deadline(sh(2026, 10, 6, 12), cal=cal)
    assert got.working_date == date(2026, 10, 7)
    assert got.calendar == f"{PKG}+loaded:2026@2026-12-31T09:30:00Z"
    assert deadline(sh(2026, 10, 7, 12), cal=cal).working_date == date(2026, 10, 9)
    # A load of a package year that lists no day changes nothing, and says so.
    untouched = calendar(RC.LoadedYear(2026, False, LOADED_AT, {}))
    assert untouched.years[2026] == PKG and deadline(sh(2026, 10, 6, 12), cal=untouched).working_date == date(2026, 10, 8)


def test_hours_key_names_the_holiday_variant_and_the_worked_weekend():
    cal = calendar()
    assert RC.hours_key(cal.day(date(2026, 10, 1)), "mon") == "holiday"
    assert RC.hours_key(cal.day(date(2026, 2, 14)), "fri") == "fri"
    assert RC.hours_key(cal.day(date(2026, 3, 7)), "mon") == "sat"
    assert RC.hours_key(cal.day(date(2026, 3, 12)), "mon") == "thu"
    with pytest.raises(ValueError):
        RC.hours_key(cal.day(date(2026, 2, 14)), "monday")


def test_add_working_days_refuses_naive_times_and_no_days():
    with pytest.raises(ValueError):
        deadline(datetime(2026, 3, 10, 15))
    with pytest.raises(ValueError):
        deadline(sh(2026, 3, 10, 15), n=0)


def test_a_loaded_year_with_no_working_day_is_refused_not_looped():
    every_day = {date(2027, 1, 1) + timedelta(days=i): ("holiday", "x") for i in range(365)}
    cal = calendar(RC.LoadedYear(2027, True, LOADED_AT, every_day), RC.LoadedYear(2028, True, LOADED_AT, {}))
    assert deadline(sh(2027, 3, 1, 9), cal=cal).working_date == date(2028, 1, 3)
    with pytest.raises(ValueError):
        deadline(sh(2027, 3, 1, 9), n=400, cal=cal)


def test_the_standing_notice_of_next_year_starts_on_1_november_in_beijing_time():
    cal = calendar()
    assert RC.missing_years(cal, utc(2026, 10, 31, 15, 59)) == []  # 23:59 on 31 October in Beijing
    assert RC.missing_years(cal, utc(2026, 10, 31, 16, 0)) == [2027]  # 00:00 on 1 November
    assert RC.missing_years(calendar(Y2027), utc(2026, 11, 15)) == []
    assert RC.missing_years(cal, utc(2027, 3, 1)) == [2027]
    assert RC.missing_years(cal, utc(2027, 11, 2)) == [2027, 2028]
    with pytest.raises(ValueError):
        RC.missing_years(cal, datetime(2026, 11, 2))


def test_zone_helpers_are_the_one_place_of_branch_local_time():
    """#11: services ask rules/calendar.py for local dates, clock labels and zone validity."""
    assert RC.is_zone(SH) and RC.is_zone("Europe/Berlin")
    assert not RC.is_zone("Mars/Olympus") and not RC.is_zone("../etc/passwd")
    late = datetime(2026, 11, 27, 16, 30, tzinfo=timezone.utc)  # 00:30 on the 28th in Shanghai
    assert RC.local_date(late, SH) == date(2026, 11, 28) == RC.local_date(late, ZoneInfo(SH))
    assert RC.local_clock(late, SH) == "00:30"
    with pytest.raises(ValueError):
        RC.local_clock(datetime(2026, 11, 28, 0, 30), SH)


def test_clock_hour_windows_follow_local_hours_through_a_dst_change():
    """R-SEC-5's hours, by the wall clock: the spring-forward night has one hour fewer,
    partial hours at an interval's edge are windows of their own."""
    berlin = "Europe/Berlin"
    spring = RC.clock_hour_windows(date(2026, 3, 29), [["00:00", "24:00"]], berlin)
    assert len(spring) == 23 and all(end - start == timedelta(hours=1) for start, end in spring)
    assert RC.clock_hour_windows(date(2026, 11, 28), [["09:30", "11:00"]], SH) == [
        (sh(2026, 11, 28, 9, 30), sh(2026, 11, 28, 10)), (sh(2026, 11, 28, 10), sh(2026, 11, 28, 11))]
