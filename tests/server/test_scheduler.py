"""One scheduler acts across processes and hosts: the database lease."""
from __future__ import annotations

from datetime import timedelta

from server.jobs import Job
from server.jobs.runner import LeaderScheduler
from server.services import lease


def test_only_one_holder_at_a_time_and_takeover_after_expiry(app, clock):
    ttl = timedelta(seconds=30)
    with app.app_context():
        assert lease.try_acquire("scheduler", "host-a", clock.now(), ttl)
        assert not lease.try_acquire("scheduler", "host-b", clock.now(), ttl)
        clock.advance(seconds=20)
        assert lease.try_acquire("scheduler", "host-a", clock.now(), ttl)  # renewal
        clock.advance(seconds=20)
        assert not lease.try_acquire("scheduler", "host-b", clock.now(), ttl)  # renewed, still held
        clock.advance(seconds=31)
        assert lease.try_acquire("scheduler", "host-b", clock.now(), ttl)  # a dead holder loses it
        assert not lease.try_acquire("scheduler", "host-a", clock.now(), ttl)
        lease.release("scheduler", "host-b")
        assert lease.try_acquire("scheduler", "host-a", clock.now(), ttl)


def test_jobs_run_only_in_the_leading_scheduler(app, clock):
    ran = []
    job = Job("test.job", lambda now: ran.append(now), "interval", {"seconds": 60})
    a, b = LeaderScheduler(app, holder="a"), LeaderScheduler(app, holder="b")
    assert a.heartbeat() and not b.heartbeat()
    a.run_job(job)
    b.run_job(job)
    assert ran == [clock.now()]


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(app, caplog):
    def boom(now):
        raise RuntimeError("job broke")

    s = LeaderScheduler(app, holder="a")
    s.heartbeat()
    assert s.run_job(Job("test.boom", boom, "interval", {"seconds": 1})) is None
    assert any("test.boom failed" in r.getMessage() for r in caplog.records)


def test_scheduler_registers_heartbeat_and_every_job(app):
    sched = LeaderScheduler(app, holder="a").build()
    ids = {j.id for j in sched.get_jobs()}
    assert {"lease.heartbeat", "housekeeping.purge_login_failures", "sync.compact_tombstones",
            "compliance.patrol_hour", "compliance.deadlines", "compliance.rollover"} <= ids


def test_housekeeping_purges_failures_outside_the_window(app, client, demo, clock):
    from server.extensions import db
    from server.jobs.housekeeping import purge_login_failures
    from server.models.org import LoginFailure

    client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": "x"})
    with app.app_context():
        assert purge_login_failures(clock.now()) == 0
        clock.advance(minutes=16)
        assert purge_login_failures(clock.now()) == 1
        assert db.session.query(LoginFailure).count() == 0



def test_the_fencing_token_rises_on_takeover_never_on_renewal(app, clock):
    ttl = timedelta(seconds=30)
    with app.app_context():
        assert lease.acquire("scheduler", "a", clock.now(), ttl) == 1
        assert lease.acquire("scheduler", "a", clock.now(), ttl) == 1
        clock.advance(seconds=31)
        assert lease.acquire("scheduler", "b", clock.now(), ttl) == 2
        lease.release("scheduler", "b")
        assert lease.acquire("scheduler", "a", clock.now(), ttl) == 3  # a release keeps the count


def _ledger(app):
    from sqlalchemy import select

    from server.extensions import db
    from server.models.scheduler import JobRun

    with app.app_context():
        return [(r.job, r.period, r.holder) for r in db.session.scalars(select(JobRun).order_by(JobRun.id))]


def test_a_stalled_leader_that_wakes_writes_nothing(app, demo, clock):
    """A leads, stalls past its lease (SIGSTOP, a GC pause), B takes over; A wakes still
    believing it leads and runs a job: the fence refuses its commit (#14)."""
    from server.jobs.compliance import compliance_job

    job = Job("compliance.deadlines", compliance_job("compliance.deadlines"), "interval", {"seconds": 300})
    a, b = LeaderScheduler(app, holder="a"), LeaderScheduler(app, holder="b")
    assert a.heartbeat()
    clock.advance(seconds=31)
    assert b.heartbeat()
    assert a.is_leader  # it has not noticed
    assert a.run_job(job) is None
    assert _ledger(app) == [] and not a.is_leader
    assert b.run_job(job)["branches"] == 1
    assert [(j, h) for j, _p, h in _ledger(app)] == [("compliance.deadlines", "b")]


def test_a_takeover_during_the_job_refuses_its_commit(app, demo, clock, caplog):
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models.compliance import Obligation
    from server.services.compliance import evaluate

    a, b = LeaderScheduler(app, holder="a"), LeaderScheduler(app, holder="b")
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    took = []

    def slow(due):
        evaluate(due, commit=False)  # verdicts written, not committed
        clock.advance(seconds=31)  # the leader stalls past its lease …
        if not sqlite:  # … and B takes over meanwhile. On SQLite B's write would wait for A's
            took.append(b.heartbeat())  # transaction (one write lock): A's lapsed lease alone fences it
        db.session.commit()

    assert a.heartbeat()
    assert a.run_job(Job("compliance.slow", slow, "interval", {"seconds": 60})) is None
    assert "scheduler a no longer holds the lease" in caplog.text  # refused by the fence, not failed
    assert took == ([] if sqlite else [True]) and not a.is_leader
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Obligation)) == 0


def test_each_job_is_handed_its_due_time_not_now(app, clock):
    from server.jobs.runner import due_time, make_trigger

    seen = []
    s = LeaderScheduler(app, holder="a")
    assert s.heartbeat()
    clock.advance(seconds=17)
    s.run_job(Job("test.every_minute", seen.append, "interval", {"minutes": 1}))
    assert seen == [clock.now() - timedelta(seconds=17)]
    hourly = make_trigger(Job("x", print, "cron", {"minute": 12}))
    assert due_time(hourly, clock.now()) == clock.now().replace(hour=1, minute=12, second=0)  # 02:00:17 -> 01:12
    assert due_time(hourly, clock.now().replace(minute=12, second=0)) == clock.now().replace(minute=12, second=0)


def test_a_compliance_job_runs_once_per_due_time(app, demo, clock):
    from server.jobs.compliance import compliance_job

    job = Job("compliance.deadlines", compliance_job("compliance.deadlines"), "interval", {"seconds": 300})
    s = LeaderScheduler(app, holder="a")
    assert s.heartbeat()
    assert s.run_job(job)["branches"] == 1
    clock.advance(seconds=10)
    assert s.run_job(job) is None  # the same due time: done already
    assert len(_ledger(app)) == 1
