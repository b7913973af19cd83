"""Two real ``flask scheduler run`` processes on one PostgreSQL database (#14).

Exactly one acts: each compliance due time is judged once; when the leader is killed
(SIGKILL) the other takes over within a minute; a leader stopped (SIGSTOP) past its lease
and then continued writes nothing — the fencing token refuses its commits.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.clock import Clock
from server.extensions import db
from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


@pytest.fixture
def pg_url(pg_database: str) -> Any:
    """A PostgreSQL database of this test's own (the processes share it; the worker's
    test database stays untouched), made and dropped here."""
    name = f"fieldops_sched_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_app(pg_url: str, tmp_path: Any) -> Any:
    """That database with the schema and the demo branch, on the real clock (the
    processes run on it too)."""
    app = create_app({"database_url": pg_url, "testing": True, "secret_key": "s",
                      "photo_dir": str(tmp_path / "p")}, clock=Clock())
    with app.app_context():
        db.create_all()
        from server.services.demo import seed_demo

        seed_demo("demo-pass-1", app.extensions["clock"].now())
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _start(url: str, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "DATABASE_URL": url, "FIELDOPS_SECRET_KEY": "s", "FLASK_APP": "wsgi.py",
           "FIELDOPS_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS), "FIELDOPS_COMPLIANCE_CHECK_SECONDS": "1",
           "FIELDOPS_PHOTO_DIR": str(tmp_path / "p"), "FIELDOPS_LOG_LEVEL": "INFO"}
    log = tmp_path / f"{name}.log"
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "run"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    return proc, log


def _runs(url: str) -> list[tuple[str, str, str]]:
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT job, period, holder FROM job_run WHERE job = 'compliance.deadlines' ORDER BY period"))]
    finally:
        eng.dispose()


def _holder_of(proc: subprocess.Popen) -> Callable[[str], bool]:
    return lambda holder: f":{proc.pid}:" in holder


def _wait(predicate: Callable[[], bool], seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def test_two_schedulers_one_acts_sigkill_takeover_and_sigstop_fenced(pg_app, pg_url, tmp_path):
    url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    a, a_log = _start(url, tmp_path, "a")
    procs = [a]
    try:
        _wait(lambda: any(_holder_of(a)(h) for *_x, h in _runs(pg_url)), 30)
        b, b_log = _start(url, tmp_path, "b")
        procs.append(b)
        time.sleep(4)
        assert not any(_holder_of(b)(h) for *_x, h in _runs(pg_url))  # B waits while A leads

        a.send_signal(signal.SIGKILL)
        a.wait()
        took = _wait(lambda: any(_holder_of(b)(h) for *_x, h in _runs(pg_url)), 60)
        assert took < 60

        c, c_log = _start(url, tmp_path, "c")
        procs.append(c)
        time.sleep(3)  # C is up and waiting; B leads
        b.send_signal(signal.SIGSTOP)
        _wait(lambda: any(_holder_of(c)(h) for *_x, h in _runs(pg_url)), 30)
        time.sleep(1)
        b.send_signal(signal.SIGCONT)  # B wakes past its lease, still believing it leads
        time.sleep(4)
        runs = _runs(pg_url)
        periods = [p for _j, p, _h in runs]
        assert len(periods) == len(set(periods)), "a due time was judged twice"
        first_c = min(p for _j, p, h in runs if _holder_of(c)(h))
        assert not [p for _j, p, h in runs if _holder_of(b)(h) and p >= first_c], "B wrote after C took over"
        eng = create_engine(pg_url)
        try:
            with eng.connect() as conn:
                twins = conn.execute(text(
                    "SELECT count(*) FROM (SELECT obligation_id, kind FROM alert GROUP BY obligation_id, kind, key "
                    "HAVING count(*) > 1) t")).scalar()
        finally:
            eng.dispose()
        assert twins == 0
        b_text = b_log.read_text()
        assert "lost the lease" in b_text or "no longer holds the lease" in b_text
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait()
