"""Time ``flask compliance run`` for one realistic day of many branches (issue #14 "Speed").

    .venv/bin/python bench/compliance.py --db sqlite --db postgresql [--branches 1400]

Seeds N branches (guarded round the clock, open 09:00-17:00, Asia/Shanghai), each with a
guard on a 24-hour security shift, a roster entry, an operations manager, a lobby manager,
one phone per person, a day of self-service patrols (one per hour, some synced late, some
hours missing), the evening's box session with two entries (one with a contact, replied
and called back) and two open complaint cases (a phone one with its one-working-day
reply due, a letter on the regulator's clock). Then runs ``services.compliance.evaluate`` for the end of that day on a fresh
database and prints the time, the time per branch and the SQL statements by kind (the
count must not grow with N). Not a test: CI never runs it.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402

from server import create_app  # noqa: E402
from server.clock import FixedClock  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models.complaint import Complaint  # noqa: E402
from server.models.org import Branch, Staff  # noqa: E402
from server.models.suggestion import BoxCallback, BoxEntry, BoxSession  # noqa: E402
from server.models.patrol import Checkpoint, Patrol  # noqa: E402
from server.models.shift import RosterShift, Shift  # noqa: E402
from server.services import org  # noqa: E402
from sync.store import client_table  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DAY = date(2026, 11, 28)
START = datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)  # local midnight of DAY


def seed(n: int, now: datetime) -> None:
    """N branches with a day of patrols, in a few bulk inserts."""
    rnd = random.Random(14)
    branches, staff, cps, shifts, plans, patrols, clients = [], [], [], [], [], [], []
    sessions, entries, callbacks, cases = [], [], [], []
    for i in range(n):
        b, g, om, lm, cp = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        branches.append({"id": b, "code": f"B{i:05d}", "name": f"Branch {i}", "timezone": "Asia/Shanghai",
                         "business_hours": org.OPEN_9_TO_5, "guarded_hours": org.ROUND_THE_CLOCK,
                         "close_of_business": org.CLOSE_AT_5, "settings": {}, "go_live_date": DAY,
                         "created_at": now, "updated_at": now})
        for sid, role in ((g, "guard"), (om, "operations_manager"), (lm, "lobby_manager")):
            staff.append({"id": sid, "employee_no": f"{i:05d}-{role}", "name": role, "role": role, "branch_id": b,
                          "password_hash": "x", "active": True, "created_at": now, "updated_at": now})
            clients.append({"client_id": uuid.uuid4(), "staff_id": sid, "branch_id": b, "last_mutation_id": 0,
                            "created_at": now, "last_push_at": now - timedelta(minutes=rnd.randint(0, 90))})
        cps.append({"id": cp, "branch_id": b, "area": "self_service", "name_zh": "自助", "name_en": "ATM",
                    "active": True, "created_at": now, "updated_at": now})
        s = uuid.uuid4()
        shifts.append({"id": s, "branch_id": b, "staff_id": g, "post": "security", "device_at": START,
                       "received_at": START, "skew_ms": 0, "happened_at": START, "clock_suspect": False,
                       "end_clock_suspect": False, "post_gap": False})
        plans.append({"id": uuid.uuid4(), "branch_id": b, "post": "security", "staff_id": g, "starts_at": START,
                      "ends_at": START + timedelta(hours=24), "notes": "", "created_at": now, "updated_at": now})
        for h in range(24):
            if rnd.random() < 0.08:
                continue  # a missed hour
            at = START + timedelta(hours=h, minutes=rnd.randint(0, 55))
            late = rnd.random() < 0.15
            got = at + (timedelta(hours=rnd.randint(2, 6)) if late else timedelta(seconds=30))
            patrols.append({"id": uuid.uuid4(), "branch_id": b, "staff_id": g, "shift_id": s, "checkpoint_id": cp,
                            "area": "self_service", "checks": {"atm": "ok"}, "device_at": at, "received_at": got,
                            "skew_ms": 0, "happened_at": at, "clock_suspect": False, "code_was_rotated": False})
        _lobby(rnd, b, lm, now, sessions, entries, callbacks, cases)
    for model, rows in ((Branch, branches), (Staff, staff), (Checkpoint, cps), (Shift, shifts),
                        (RosterShift, plans), (Patrol, patrols), (BoxSession, sessions), (BoxEntry, entries),
                        (BoxCallback, callbacks), (Complaint, cases)):
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[i:i + 5000])
    db.session.execute(insert(client_table), clients)
    db.session.commit()


def _times(at: datetime, got: datetime | None = None) -> dict:
    return {"device_at": at, "received_at": got or at, "skew_ms": 0, "happened_at": at, "clock_suspect": False}


def _lobby(rnd: random.Random, b: uuid.UUID, lm: uuid.UUID, now: datetime, sessions: list, entries: list,
           callbacks: list, cases: list) -> None:
    """One branch's evening: the box (R-BOX-1..3) and two open cases (R-CMP-6, the regulator)."""
    close = START + timedelta(hours=17, minutes=30)
    session = uuid.uuid4()
    if rnd.random() < 0.9:  # some evenings the box was never opened
        sessions.append({"id": session, "branch_id": b, "business_date": DAY, "opened_by": lm, "opened_late": False,
                         "due_at": START + timedelta(hours=24), "status": "open", "empty": False,
                         "open_callbacks": 0, "end_clock_suspect": False, "updated_at": now, **_times(close)})
        for k in range(2):
            e = uuid.uuid4()
            entries.append({"id": e, "session_id": session, "branch_id": b, "business_date": DAY, "source": "box",
                            "kind": "suggestion", "text": "x", "contact": "138" if k == 0 else None,
                            "recorded_by": lm, "reply_text": "thanks" if rnd.random() < 0.9 else None,
                            "replied_by": lm, "replied_at": close + timedelta(minutes=10),
                            "reply_received_at": close + timedelta(minutes=10),
                            "callback_status": "reached" if k == 0 else "not_needed",
                            "callback_attempts": 1 if k == 0 else 0, "updated_at": now,
                            **_times(close + timedelta(minutes=5))})
            if k == 0:
                callbacks.append({"id": uuid.uuid4(), "entry_id": e, "branch_id": b, "attempt": 1, "outcome": "reached",
                                  "called_by": lm, **_times(close + timedelta(minutes=20))})
    for channel, reply_due, regulator_due in (
        ("phone", START + timedelta(days=3, hours=9), START + timedelta(days=16)),
        ("letter", None, START + timedelta(days=16)),
    ):
        cases.append({"id": uuid.uuid4(), "branch_id": b, "channel": channel, "summary": "x", "taken_by": lm,
                      "taker_role": "lobby_manager", "taker_level": "lobby_manager", "settled_on_contact": False,
                      "level": "service_quality_officer", "owner_role": "service_quality_officer", "escalated": False,
                      "status": "open", "version": 1, "jrt_channel": "99", "jrt_business": "99", "jrt_cause": "99",
                      "consumer": True, "complex": False, "extension_customer_told": False, "paused_seconds": 0,
                      "report_to_regulator": False, "reply_due_at": reply_due, "regulator_due_at": regulator_due,
                      "due_at": reply_due or regulator_due, "due_clock": "manual" if reply_due else "regulator",
                      "updated_at": now, **_times(START + timedelta(hours=14))})


def run(url: str, n: int) -> dict:
    at = START + timedelta(hours=24, minutes=30)
    clock = FixedClock(at)
    app = create_app({"database_url": url, "testing": True, "secret_key": "bench"}, clock=clock)
    with app.app_context():
        db.create_all()
        seed(n, at)
        from server.services.compliance import evaluate

        kinds: Counter[str] = Counter()

        def note(_conn, _cur, statement, *_a):
            words = statement.split()
            verb = words[0].upper()
            table = next((w.strip('"') for w in words[1:12] if w.strip('"') in db.metadata.tables), "?")
            kinds[f"{verb} {table}"] += 1

        event.listen(db.engine, "before_cursor_execute", note)
        started, cpu = time.perf_counter(), time.process_time()
        out = evaluate(at)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        event.remove(db.engine, "before_cursor_execute", note)
        db.session.remove()
        db.engine.dispose()
    # CPU seconds beside wall seconds: on a machine shared with others, the wall time
    # includes waiting for a core; compare runs by CPU time and by ratios in one run.
    return {"branches": n, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2), "ms_per_branch": round(1000 * elapsed / n, 2),
            "statements": sum(kinds.values()), "by_kind": dict(sorted(kinds.items())),
            "obligations": out.obligations, "alerts_raised": out.alerts_raised}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--branches", type=int, action="append")
    args = parser.parse_args()
    for kind in args.db or ["sqlite"]:
        for n in args.branches or [1400]:
            if kind == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
                print(kind, run(url, n))
                continue
            name = f"bench_compliance_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                print(kind, run(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, n))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
