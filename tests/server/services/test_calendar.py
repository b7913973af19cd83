"""The calendar service: package + administrators' loads, one query per transaction,
deadlines in each branch's zone and hours (R-CMP-6), the unknown year and its notice."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from server.errors import Conflict, Forbidden, ValidationFailed
from server.extensions import db
from server.models.calendar import CalendarLoad
from server.rules import calendar as RC
from server.services import calendar as svc
from server.services import org

PKG = "chinese-calendar 1.11.0"
NEW_YEARS_EVE_16H = datetime(2026, 12, 31, 16, tzinfo=ZoneInfo("Asia/Shanghai"))
DAYS_2027 = [
    {"date": date(2027, 1, 1), "kind": "holiday", "name": "元旦"},
    {"date": date(2027, 2, 6), "kind": "workday", "name": "春节调休"},
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def branch(code: str, now: datetime, **kwargs):
    made = org.create_branch(code, f"branch {code}", now, **kwargs)
    db.session.commit()
    return made


def test_r_cmp_6_deadline_uses_each_branchs_zone_business_hours_and_setting(app, clock):
    with app.app_context():
        shanghai = branch("SH1", clock.now())
        hours = {k: [["08:00", "20:00"]] for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")}
        london = branch("LN1", clock.now(), timezone="Europe/London", business_hours={**hours, "sun": [["10:00", "14:00"]]})
        at = utc(2026, 9, 19, 16, 30)  # Shanghai: Sunday 20 September 00:30 (worked); London: Saturday 17:30
        assert svc.deadline_after(shanghai, at) == RC.Deadline(utc(2026, 9, 21, 9), date(2026, 9, 21), PKG)
        # In London the next working day is the worked Sunday, on Monday's hours (the default setting).
        assert svc.deadline_after(london, at).due_at == utc(2026, 9, 20, 19)  # 20:00 BST
        london.settings = {"adjusted_workday_hours": "sun"}
        assert svc.deadline_after(london, at).due_at == utc(2026, 9, 20, 13)  # 14:00 BST
        assert svc.deadline_after(shanghai, utc(2026, 9, 30, 7), working_days=2).working_date == date(2026, 10, 9)


def test_r_cmp_6_new_years_eve_2026_is_unknown_until_2027_is_loaded(app, clock):
    with app.app_context():
        sh1 = branch("SH1", clock.now())
        got = svc.deadline_after(sh1, NEW_YEARS_EVE_16H)
        assert got == RC.Unknown(2027) and got.message == "deadline unknown: the 2027 calendar is not loaded"
        with pytest.raises(svc.CalendarYearUnknown) as err:
            svc.working_day(sh1, date(2027, 1, 4))
        assert (err.value.status, err.value.code, err.value.extra["year"]) == (409, "calendar_year_unknown", 2027)
        assert svc.missing_years(clock.now()) == [2027]  # 28 November 2026: the notice stands

        svc.load_year(None, 2027, {"complete": True, "days": DAYS_2027}, clock.now(), loaded_by="cli:ops")

        computed = svc.deadline_after(sh1, NEW_YEARS_EVE_16H)
        assert computed == RC.Deadline(utc(2027, 1, 4, 9), date(2027, 1, 4), "loaded:2027@2026-11-28T02:00:00Z")
        assert svc.working_day(sh1, date(2027, 2, 6)) and not svc.working_day(sh1, date(2027, 1, 1))
        assert svc.missing_years(clock.now()) == []


def test_missing_years_is_empty_before_1_november(app):
    with app.app_context():
        assert svc.missing_years(utc(2026, 10, 31, 15, 59)) == []
        assert svc.missing_years(utc(2026, 10, 31, 16)) == [2027]


def test_working_day_and_hours_key_follow_the_national_calendar(app, clock):
    with app.app_context():
        sh1 = branch("SH1", clock.now())
        assert not svc.working_day(sh1, date(2026, 10, 1))
        assert svc.working_day(sh1, date(2026, 2, 14)) and svc.working_day(sh1, date(2026, 2, 28))
        assert svc.hours_key(sh1, date(2026, 10, 1)) == "holiday"  # R-SEC-5's holiday variant
        assert svc.hours_key(sh1, date(2026, 2, 14)) == "mon"
        sh1.settings = {"adjusted_workday_hours": "sat"}
        assert svc.hours_key(sh1, date(2026, 2, 14)) == "sat"


def test_the_calendar_is_read_with_one_query_per_transaction(app, clock, statements):
    with app.app_context():
        branches = [branch(f"B{i}", clock.now()) for i in range(5)]
        svc.load_year(None, 2027, {"complete": True, "days": DAYS_2027}, clock.now())
        db.session.commit()
        assert all(b.timezone for b in branches)  # refresh them outside the count
        with statements() as seen:
            for b in branches:
                for day in range(60):
                    svc.deadline_after(b, utc(2026, 11, 1) + timedelta(days=day))
                    svc.working_day(b, date(2026, 11, 1) + timedelta(days=day))
            svc.missing_years(clock.now())
        seen = [sql for sql in seen if sql.upper() != "BEGIN"]  # SQLite's explicit BEGIN (server/db_events.py)
        assert len(seen) == 1 and "calendar_load" in seen[0] and "calendar_day" in seen[0]
        db.session.commit()  # a new transaction reads again: a load elsewhere is seen
        with statements() as again:
            svc.deadline_after(branches[0], clock.now())
        assert sum("calendar_load" in sql for sql in again) == 1


def test_a_load_is_a_new_version_and_history_is_kept(app, clock):
    with app.app_context():
        first = svc.load_year(None, 2027, {"complete": False, "days": DAYS_2027[:1]}, clock.now(), loaded_by="cli:ops", origin="draft.csv")
        assert first["known"] is False and first["calendar"] is None
        assert first["loaded"] == {
            "version": 1, "complete": False, "loaded_by": "cli:ops", "loaded_at": "2026-11-28T02:00:00Z",
            "origin": "draft.csv", "days": 1,
        }
        clock.advance(timedelta(hours=1))
        second = svc.load_year(None, 2027, {"complete": True, "days": DAYS_2027}, clock.now())
        assert second["known"] is True and second["loaded"]["version"] == 2 and second["loaded"]["loaded_by"] == "cli"
        assert second["calendar"] == "loaded:2027@2026-11-28T03:00:00Z"
        assert [(d["date"], d["kind"], d["source"]) for d in second["days"]] == [
            (date(2027, 1, 1), "holiday", "loaded"),
            (date(2027, 2, 6), "adjusted_workday", "loaded"),
        ]
        assert db.session.scalar(select(func.count()).select_from(CalendarLoad).where(CalendarLoad.year == 2027)) == 2


def test_a_correction_of_a_package_year_is_shown_and_recorded(app, clock):
    with app.app_context():
        before = svc.show_year(None, 2026)
        assert (before["known"], before["calendar"], before["package"], before["loaded"]) == (True, PKG, PKG, None)
        listed = {d["date"]: (d["kind"], d["source"]) for d in before["days"]}
        assert listed[date(2026, 2, 14)] == ("adjusted_workday", "package")
        assert listed[date(2026, 10, 1)] == ("holiday", "package")
        closure = {"complete": False, "days": [{"date": date(2026, 10, 8), "kind": "holiday", "name": "网点停业"}]}
        after = svc.load_year(None, 2026, closure, clock.now())
        assert after["calendar"] == f"{PKG}+loaded:2026@2026-11-28T02:00:00Z"
        assert {d["date"]: d["source"] for d in after["days"]}[date(2026, 10, 8)] == "loaded"
        sh1 = branch("SH1", clock.now())
        got = svc.deadline_after(sh1, utc(2026, 9, 30, 7))
        assert got.working_date == date(2026, 10, 9) and got.calendar == after["calendar"]


@pytest.mark.parametrize(
    "year, days, complete, field, code",
    [
        (2027, [{"date": date(2026, 12, 31), "kind": "holiday", "name": None}], False, "days", "validation_failed"),
        (2027, DAYS_2027 + DAYS_2027[:1], True, "days", "validation_failed"),
        (2027, DAYS_2027[1:], True, "days", "calendar_year_empty"),
        (1999, [], False, "year", "validation_failed"),
    ],
    ids=["date-outside-year", "date-twice", "complete-without-holiday", "year-out-of-range"],
)
def test_a_bad_load_is_refused_and_nothing_is_stored(app, clock, year, days, complete, field, code):
    with app.app_context():
        with pytest.raises(ValidationFailed) as err:
            svc.load_year(None, year, {"complete": complete, "days": days}, clock.now())
        assert err.value.code == code and field in err.value.extra["errors"]
        assert db.session.scalar(select(func.count()).select_from(CalendarLoad)) == 0


def test_only_an_administrator_loads_or_reads_the_calendar(app, clock):
    with app.app_context():
        sh1 = branch("SH1", clock.now())
        manager = org.create_staff("LM9", "经理", "lobby_manager", sh1.id, "pw-123456", clock.now())
        admin = org.create_staff("AD9", "管理员", "admin", None, "pw-123456", clock.now())
        db.session.commit()
        with pytest.raises(Forbidden):
            svc.load_year(manager, 2027, {"complete": True, "days": DAYS_2027}, clock.now())
        with pytest.raises(Forbidden):
            svc.show_year(manager, 2027)
        shown = svc.load_year(admin, 2027, {"complete": True, "days": DAYS_2027}, clock.now())
        assert shown["loaded"]["loaded_by"] == "staff:AD9"
        assert db.session.scalar(select(CalendarLoad.loaded_by_id)) == admin.id


def test_a_load_colliding_with_another_is_a_conflict(app, clock, monkeypatch):
    with app.app_context():
        svc.load_year(None, 2027, {"complete": True, "days": DAYS_2027}, clock.now())
        # A second administrator read the versions before the first load committed.
        monkeypatch.setattr(svc, "_next_version", lambda year: 1)
        with pytest.raises(Conflict) as err:
            svc.load_year(None, 2027, {"complete": False, "days": []}, clock.now())
        assert err.value.code == "calendar_load_conflict"
        assert db.session.scalar(select(func.count()).select_from(CalendarLoad)) == 1
        assert svc.show_year(None, 2027)["known"] is True
