"""The compliance engine on the demo branch, with an injected clock (#14).

The demo branch (Asia/Shanghai, guarded round the clock) went live the day before T0
(10:00 local on 28 November 2026); its roster has guard G1 on security 08:00-16:00.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models.alert import Alert
from server.models.compliance import Obligation, ObligationExcuse
from server.services import compliance as C
from tests.conftest import T0
from tests.support.pushpull import push, push_one

M, H = timedelta(minutes=1), timedelta(hours=1)


def hour_of(app, branch_id, local_hour: int, day_offset: int = 0) -> Obligation:
    """The R-SEC-5 obligation of the demo's ``local_hour`` on T0's day (+ ``day_offset``)."""
    start = T0 + (local_hour - 10) * H + day_offset * 24 * H
    with app.app_context():
        row = db.session.scalar(select(Obligation).where(
            Obligation.branch_id == uuid.UUID(branch_id), Obligation.rule == "R-SEC-5", Obligation.window_start == start))
        assert row is not None, f"no R-SEC-5 obligation for {local_hour}:00"
        db.session.expunge(row)
        return row


def run(app, at: datetime) -> dict:
    with app.app_context():
        return C.evaluate(at).to_dict()


def alerts(app, obligation_id=None, kind=None) -> list[Alert]:
    with app.app_context():
        q = select(Alert)
        if obligation_id is not None:
            q = q.where(Alert.obligation_id == obligation_id)
        if kind is not None:
            q = q.where(Alert.kind == kind)
        rows = list(db.session.scalars(q))
        db.session.expunge_all()
        return rows


@pytest.fixture
def guard(as_role, demo, clock):
    """Guard G1 on shift since 10:00 (pushed at 10:00)."""
    g = as_role("guard")
    assert push_one(g, "shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"})["status"] == "applied"
    return g


def patrol(demo, at: datetime) -> dict:
    return {"name": "patrol.record", "at": at.isoformat(),
            "args": {"patrol_id": str(uuid.uuid4()), "checkpoint_code": demo["checkpoints"]["self_service"],
                     "checks": {"atm": "ok"}}}


def test_r_sec_5_late_sync_goes_unconfirmed_then_met_synced_late(app, demo, guard, clock):
    clock.set(T0 + H + 15 * M)  # 11:15: the 10:00 hour is past due, G1's phone silent since 10:00
    run(app, clock.now())
    ten = hour_of(app, demo["branch_id"], 10)
    assert ten.status == "unconfirmed"
    assert ten.detail["devices"][0]["synced_until"] == "2026-11-28T02:00:00Z"
    assert (ten.window_start, ten.window_end, ten.due_at) == (T0, T0 + H, T0 + H + 10 * M)
    assert [a.kind for a in alerts(app, ten.id)] == ["unconfirmed"]
    assert "last synced at 2026-11-28T02:00:00Z" in alerts(app, ten.id)[0].message
    clock.set(T0 + 2 * H + 30 * M)  # 12:30: the phone syncs the 10:05 patrol
    assert push(guard, [patrol(demo, T0 + 5 * M)])[0]["status"] == "applied"
    run(app, clock.now())
    ten = hour_of(app, demo["branch_id"], 10)
    assert ten.status == "met_synced_late" and len(ten.evidence) == 1
    (alert,) = alerts(app, ten.id)
    assert alert.kind == "unconfirmed" and alert.resolved_at == clock.now()  # resolved itself
    eleven = hour_of(app, demo["branch_id"], 11)
    assert eleven.status == "missed"  # the phone synced past 12:10 with nothing for 11:00
    # the push re-judged only the hours its 10:05 patrol can touch (10:00, and 09:00 whose
    # grace pick it could move, #17): 11:00 fell due at 12:10 with no record touching it, the
    # scheduler's to judge, and the evaluation after the push knows the phone is complete
    # to 12:30: missed at once, never unconfirmed
    assert {(a.kind, a.resolved_at is None) for a in alerts(app, eleven.id)} == {("missed", True)}


def test_r_sec_5_unconfirmed_becomes_missed_when_the_phone_syncs_past_the_deadline(app, demo, guard, clock, as_role):
    clock.set(T0 + H + 15 * M)
    run(app, clock.now())
    assert hour_of(app, demo["branch_id"], 10).status == "unconfirmed"
    clock.set(T0 + H + 20 * M)
    push(guard, [])  # an empty push sent at 11:20: everything before it has arrived
    run(app, clock.now())
    assert hour_of(app, demo["branch_id"], 10).status == "missed"
    kinds = {(a.kind, a.resolved_at is None) for a in alerts(app, hour_of(app, demo["branch_id"], 10).id)}
    assert kinds == {("unconfirmed", False), ("missed", True)}


def test_r_sec_5_clock_skew_a_fast_device_counts_for_the_previous_hour(app, demo, guard, clock):
    clock.set(T0 + 50 * M)  # 10:50 real; the phone shows 11:20
    fast = T0 + 80 * M
    assert push(guard, [patrol(demo, fast)], sent_at=fast)[0]["status"] == "applied"
    clock.set(T0 + 2 * H)
    run(app, clock.now())
    ten = hour_of(app, demo["branch_id"], 10)
    assert ten.status == "met" and ten.clock_suspect is True
    assert hour_of(app, demo["branch_id"], 11).status == "pending"


def test_downtime_catch_up_judges_the_hours_missed_and_a_rerun_changes_nothing(app, demo, guard, clock):
    clock.set(T0 + 50 * M)  # 10:50, then the server is down until 13:20
    run(app, clock.now())
    assert hour_of(app, demo["branch_id"], 10).status == "pending"
    push(guard, [patrol(demo, T0 + 5 * M)])
    clock.set(T0 + 3 * H + 20 * M)
    push(guard, [])  # the phone is in sync at 13:20
    first = run(app, clock.now())
    statuses = [hour_of(app, demo["branch_id"], h).status for h in (10, 11, 12, 13)]
    assert statuses == ["met", "missed", "missed", "pending"]
    again = run(app, clock.now())
    assert (again["inserted"], again["updated"], again["alerts_raised"], again["alerts_resolved"]) == (0, 0, 0, 0)
    assert again["obligations"] == first["obligations"]
    with app.app_context():
        per_key = db.session.execute(
            select(Obligation.branch_id, Obligation.rule, Obligation.subject_id, Obligation.window_start, func.count())
            .group_by(Obligation.branch_id, Obligation.rule, Obligation.subject_id, Obligation.window_start)
            .having(func.count() > 1)
        ).all()
    assert per_key == []


def test_yesterday_since_go_live_is_judged_and_settled_then_not_read_again(app, demo, clock):
    out = run(app, T0)
    assert out["days"] == 2  # go-live day (yesterday) and today
    assert hour_of(app, demo["branch_id"], 10, day_offset=-1).status == "missed"  # nobody on duty, no phone
    assert run(app, T0 + M)["days"] == 1  # yesterday is settled: only today is judged


def test_excuse_is_appended_and_withdrawn_and_resolves_the_alert(app, demo, clock, as_role):
    run(app, T0)
    nine = hour_of(app, demo["branch_id"], 8)
    assert nine.status == "missed" and [a.kind for a in alerts(app, nine.id)] == ["missed"]
    manager = as_role("operations_manager")
    with app.app_context():
        C.excuse_obligation(uuid.UUID(manager.staff["id"]), nine.id, "ATM area shut for works", T0 + M)
    excused = hour_of(app, demo["branch_id"], 8)
    assert (excused.status, excused.verdict) == ("excused", "missed")
    assert alerts(app, nine.id)[0].resolved_at == T0 + M
    run(app, T0 + 2 * M)
    assert hour_of(app, demo["branch_id"], 8).status == "excused"  # a rerun keeps the excuse
    with app.app_context():
        C.excuse_obligation(uuid.UUID(manager.staff["id"]), nine.id, "opened after all", T0 + 3 * M, withdraw=True)
        assert db.session.scalar(select(func.count()).select_from(ObligationExcuse)) == 2  # appended, never deleted
    assert hour_of(app, demo["branch_id"], 8).status == "missed"
    assert alerts(app, nine.id)[0].resolved_at is None  # the same alert, raised again


def test_alerts_are_one_per_obligation_and_kind_however_often_the_job_runs(app, demo, clock):
    for minute in range(0, 50, 7):
        run(app, T0 + minute * M)
    with app.app_context():
        twins = db.session.execute(
            select(Alert.obligation_id, Alert.kind, Alert.key, func.count()).group_by(Alert.obligation_id, Alert.kind, Alert.key)
            .having(func.count() > 1)
        ).all()
        assert twins == []
        assert db.session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "missed")) > 0


def test_repeated_misses_in_a_day_alert_the_branch_president(app, demo, clock):
    run(app, T0)
    found = alerts(app, kind="repeated_missed")
    assert sorted(a.key.rsplit(":", 1)[1] for a in found) == ["2026-11-27", "2026-11-28"]  # 8:00 and 9:00 missed today
    assert all(a.roles == ["branch_president"] and a.obligation_id is None for a in found)


def test_a_repeated_miss_alert_that_resolved_and_is_warranted_again_opens_as_the_same_row(app, demo, clock):
    """A branch-level alert reopens as its row (its key is unique): a shift start's
    re-judge once failed with ``internal_error`` inserting it anew."""
    from server.models.org import Branch

    def threshold(value: int | None) -> None:
        with app.app_context():
            branch = db.session.get(Branch, uuid.UUID(demo["branch_id"]))
            settings = {k: v for k, v in (branch.settings or {}).items() if k != "repeated_miss_threshold"}
            branch.settings = settings if value is None else {**settings, "repeated_miss_threshold": value}
            db.session.commit()

    def today() -> Alert:
        [alert] = [a for a in alerts(app, kind="repeated_missed") if a.key.endswith(T0.date().isoformat())]
        return alert

    run(app, T0)
    raised = today()
    threshold(99)
    run(app, T0 + M)
    assert today().resolved_at == T0 + M
    threshold(None)
    out = run(app, T0 + 2 * M)
    again = today()
    assert (again.id, again.resolved_at, again.updated_at) == (raised.id, None, T0 + 2 * M)
    assert out["alerts_raised"] >= 1


def test_r_sec_2_unstaffed_post_and_r_ops_1_rounds(app, demo, clock, guard):
    run(app, T0 + 7 * H)  # 17:00
    with app.app_context():
        rows = {(o.rule, o.subject_kind, o.detail.get("post")): o.status for o in db.session.scalars(
            select(Obligation).where(Obligation.rule == "R-SEC-2", Obligation.business_date == T0.date()))}
        rounds = {o.subject_id: o.status for o in db.session.scalars(
            select(Obligation).where(Obligation.rule == "R-OPS-1", Obligation.business_date == T0.date()))}
    # G1's 08:00 shift started at 10:00, too late to staff it; the cleaner never came
    assert rows[("R-SEC-2", "roster_shift", "security")] in ("missed", "unconfirmed")
    assert rows[("R-SEC-2", "roster_shift", "cleaning")] == "missed"
    assert rounds == {"0930": "missed", "1130": "missed", "1600": "missed"}


def test_an_unknown_calendar_year_is_reported_never_guessed(app, clock):
    from server.services import org

    with app.app_context():
        weekdays = {k: [["09:00", "17:00"]] for k in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        b = org.create_branch("CAL27", "Calendar", clock.now(), guarded_hours={**weekdays, "holiday": []},
                              go_live_date=datetime(2027, 1, 4).date())
        steady = org.create_branch("ALLDAY", "Round the clock", clock.now(), go_live_date=datetime(2027, 1, 4).date())
        db.session.commit()
        ids = (b.id, steady.id)
    at = datetime(2027, 1, 4, 12, 0, tzinfo=timezone.utc)
    out = run(app, at)
    assert out["unknown_years"] == [2027]
    with app.app_context():
        patrol_rows = dict(db.session.execute(
            select(Obligation.branch_id, func.count()).where(Obligation.rule == "R-SEC-5").group_by(Obligation.branch_id)
        ).all())
        calendar_alerts = list(db.session.scalars(select(Alert).where(Alert.kind == "calendar_unknown")))
    assert ids[0] not in patrol_rows and patrol_rows[ids[1]] == 24  # guarded round the clock: no guess needed
    # CAL27's hours need 2027; ALLDAY's do not, but 2027 is this year and unknown: the
    # standing notice (#13) reaches its administrators too, under the same key
    assert sorted((str(a.branch_id), a.key.rsplit(":", 1)[1], tuple(a.roles)) for a in calendar_alerts) == sorted(
        (str(i), "2027", ("admin",)) for i in ids)


def test_statement_count_does_not_grow_with_branches(app, clock):
    from sqlalchemy import event

    from server.services import org

    def seed(n: int, prefix: str) -> None:
        with app.app_context():
            for i in range(n):
                org.create_branch(f"{prefix}{i}", f"B{i}", clock.now(), go_live_date=T0.date())
            db.session.commit()

    def statements(at: datetime) -> int:
        seen: list[str] = []
        with app.app_context():
            note = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", note)
            try:
                C.evaluate(at)
            finally:
                event.remove(db.engine, "before_cursor_execute", note)
        return len(seen)

    seed(2, "QA")
    small = statements(T0)  # judges 2 new branches (2 days each)
    seed(10, "QB")
    large = statements(T0)  # judges 10 new branches; the first 2 are unchanged
    assert large == small
    assert small < 40


def test_the_day_report_has_the_contract_shape_watermarks_and_the_patrol_summary(app, demo, guard, clock):
    push(guard, [patrol(demo, T0 + 5 * M)])
    clock.set(T0 + 3 * H + 20 * M)  # 13:20; the phone last synced at 10:00
    run(app, clock.now())
    with app.app_context():
        from server.models.org import Branch

        branch = db.session.get(Branch, uuid.UUID(demo["branch_id"]))
        report = C.day_report(branch, T0.date(), clock.now())
    assert (report["date"], report["branch_id"]) == ("2026-11-28", demo["branch_id"])
    ten = next(o for o in report["obligations"] if o["rule"] == "R-SEC-5" and o["window_start"] == "2026-11-28T02:00:00Z")
    assert {k: ten[k] for k in ("subject", "window_end", "due_at", "status")} == {
        "subject": {"kind": "area", "id": "self_service"}, "window_end": "2026-11-28T03:00:00Z",
        "due_at": "2026-11-28T03:10:00Z", "status": "met"}
    assert len(ten["evidence"]) == 1
    assert [d["synced_until"] for d in report["devices"]] == ["2026-11-28T02:00:00Z"]
    summary = report["patrol"]
    assert (summary["hours"], summary["hours_met"]) == (24, 1)
    # midnight to the 10:05 patrol (10 h 5 min) is longer than 10:05 to now (13:20)
    assert summary["longest_unwatched"] == {"from": "2026-11-27T16:00:00Z", "to": "2026-11-28T02:05:00Z"}
    assert summary["longest_unwatched_minutes"] == 605


def test_the_regional_report_counts_every_branch_by_rule_and_status(app, demo, clock):
    run(app, T0)
    with app.app_context():
        report = C.regional_report(T0.date())
    (mine,) = [b for b in report["branches"] if b["branch_id"] == demo["branch_id"]]
    assert mine["rules"]["R-SEC-5"] == {"missed": 9, "pending": 15}  # 00:00-08:00 past due, 09:00 on
    assert mine["rules"]["R-OPS-1"] == {"missed": 1, "pending": 2}  # the 09:30 round was due at 10:00


def test_the_patrol_hour_grid_is_the_compliance_verdict_one_answer(app, demo, guard, clock, as_role):
    """The 10:00 hour with the guard's phone silent since 10:00 is ``unconfirmed`` in the
    compliance answer, so the hour grid says so too (it used to judge ``missed`` by itself);
    an excuse shows on both."""
    from server.models.org import Staff
    from server.services import patrol as patrol_service

    clock.set(T0 + H + 15 * M)
    run(app, clock.now())
    manager = as_role("operations_manager")
    with app.app_context():
        actor = db.session.get(Staff, uuid.UUID(manager.staff["id"]))
        _branch, hours = patrol_service.patrols_by_hour(actor, uuid.UUID(demo["branch_id"]), T0.date(), clock.now())
        grid = {h.label: patrol_service.hour_dict(h) for h in hours}
    stored = {o.window_start: o for o in [hour_of(app, demo["branch_id"], h) for h in range(24)]}
    assert len(grid) == 24
    for label, hour in grid.items():
        row = stored[T0 + (int(label[:2]) - 10) * H]
        assert (hour["status"], hour["due_at"]) == (row.status, row.due_at.isoformat().replace("+00:00", "Z")), label
    assert grid["10:00"]["status"] == "unconfirmed" and grid["08:00"]["status"] == "missed"
    with app.app_context():
        C.excuse_obligation(actor.id, hour_of(app, demo["branch_id"], 8).id, "ATM area shut for works", clock.now())
        _branch, hours = patrol_service.patrols_by_hour(actor, uuid.UUID(demo["branch_id"]), T0.date(), clock.now())
    assert {h.label: h.verdict.status for h in hours}["08:00"] == "excused"
