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
    assert {"lease.heartbeat", "housekeeping.purge_login_failures", "sync.compact_tombstones"} <= ids


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

