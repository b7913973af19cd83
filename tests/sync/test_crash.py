"""SIGKILL the server in the middle of pushes; restart; nothing answered is lost or doubled (#3).

sync-protocol "Push", durability: every mutation reported in a 200 survives a crash of
the server process the instant after; after a lost response the client sends the same
batch again and nothing is ever applied twice.

The real thing, on SQLite and PostgreSQL: ``flask db upgrade`` and ``flask seed-demo``
make a fresh database, gunicorn (1 worker, 4 threads) serves ``wsgi:app``, a guard's
device pushes batches of ``incident.report`` in a loop (every tenth one invalid: a
rejection must be as durable as an application), and the whole gunicorn process group
gets SIGKILL at a random point of a push in flight (reading it, in its transaction, in
its COMMIT or sending the answer). gunicorn then starts again on the same database and
the device sends every batch again.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from proof_support import Wire, full_pull, pull_body, push_body
from sqlalchemy import create_engine, text

from server.config import normalise_database_url

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "crash-test-pass"
BATCH = 40


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test alone: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        return
    worker_db = request.getfixturevalue("pg_database")  # fails under CI when PostgreSQL is unreachable
    name = f"fieldops_crash_{uuid.uuid4().hex[:10]}"
    admin = create_engine(worker_db, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield worker_db.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Server:
    """gunicorn on a free loopback port, in its own process group (so SIGKILL takes all)."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "crash-test-secret",
            "FLASK_APP": "wsgi.py",
            "FIELDOPS_LOG_LEVEL": "WARNING",
        }
        self.log_dir, self.proc, self.starts = log_dir, None, 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def flask(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_dir / f"gunicorn-{self.starts}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "4",
             "-b", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                    if b" 200 " in conn.recv(64):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not come up:\n" + self.log())

    def kill(self) -> None:
        """SIGKILL the whole process group: master and worker, no chance to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def log(self) -> str:
        return (self.log_dir / f"gunicorn-{self.starts}.log").read_text(errors="replace")[-3000:]


class Phone:
    """A guard's device: numbered ``incident.report`` mutations, every batch sent and its answer."""

    def __init__(self, wire: Wire) -> None:
        self.wire, self.client_id, self.next_id = wire, uuid.uuid4(), 1
        self.sent: list[tuple[list[dict[str, Any]], dict[str, Any] | None]] = []
        self.in_flight = threading.Event()
        self.took: list[float] = []  # seconds per answered push
        self.hang_up = threading.Event()  # send the next batch and leave without the answer
        self.abandoned: list[dict[str, Any]] = []
        self.abandoned_stored = threading.Event()  # set by the test once it sees it committed

    def batch(self) -> list[dict[str, Any]]:
        """A batch of ``BATCH`` incident reports; every tenth is invalid (a durable rejection)."""
        batch = []
        for _ in range(BATCH):
            args = {"incident_id": str(uuid.uuid4()), "category": "equipment", "location": "ATM 2",
                    "description": f"report #{self.next_id}", "severity": "low" if self.next_id % 10 else "bogus"}
            batch.append({"id": self.next_id, "name": "incident.report",
                          "at": datetime.now(timezone.utc).isoformat(), "args": args})
            self.next_id += 1
        return batch

    def send(self, batch: list[dict[str, Any]]) -> tuple[int, Any]:
        return self.wire.post("/api/sync/push", push_body(self.client_id, batch, datetime.now(timezone.utc)))

    def send_and_hang_up(self, batch: list[dict[str, Any]]) -> None:
        """The request goes out whole; the connection drops before the answer (a lost response)."""
        conn = http.client.HTTPConnection(*self.wire.address, timeout=30)
        body = json.dumps(push_body(self.client_id, batch, datetime.now(timezone.utc)))
        conn.request("POST", "/api/sync/push", body=body,
                     headers={"Authorization": f"Bearer {self.wire.token}", "Content-Type": "application/json"})
        conn.close()

    def push_until_cut_off(self) -> None:
        """Push new batches until the server stops answering; the last one's answer is lost."""
        while True:
            batch = self.batch()
            self.sent.append((batch, None))
            if self.hang_up.is_set():
                self.send_and_hang_up(batch)
                self.abandoned = batch
                self.hang_up.clear()
                # The next batch goes only once this one is committed: sent at once, it
                # could be served first and answered 409 mutation_gap (a real outbox
                # would resend this batch instead of sending the next).
                self.abandoned_stored.wait(60)
                continue
            self.in_flight.set()
            start = time.monotonic()
            try:
                status, body = self.send(batch)
            except (OSError, http.client.HTTPException):
                # Killed before it answered, or mid-answer (IncompleteRead: headers out,
                # body cut off): either way this answer is lost, as the test intends.
                return
            assert status == 200, body
            self.sent[-1] = (batch, body)
            self.took.append(time.monotonic() - start)

    def reports(self) -> dict[str, bool]:
        """Every incident id sent -> whether it is valid (must exist once all is applied)."""
        return {m["args"]["incident_id"]: m["args"]["severity"] != "bogus" for batch, _ in self.sent for m in batch}


def stored(database_url: str, client_id: uuid.UUID) -> tuple[list[str], list[tuple[int, str]]]:
    """(incident ids, [(mutation id, status)] of the client) read straight from the database."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            incidents = [str(uuid.UUID(str(r.id))) for r in conn.execute(text("SELECT id FROM incident"))]
            log = [(r.mutation_id, r.status) for r in conn.execute(
                text("SELECT mutation_id, status FROM sync_mutation WHERE client_id = :c ORDER BY mutation_id"),
                {"c": client_id.hex if database_url.startswith("sqlite") else str(client_id)})]
    finally:
        engine.dispose()
    return incidents, log


def test_sigkill_mid_push_loses_no_answered_mutation_and_resending_doubles_nothing(crash_db, tmp_path):
    server = Server(crash_db, tmp_path)
    server.flask("db", "upgrade")
    demo = json.loads(server.flask("seed-demo", "--password", PASSWORD, "--json").strip().splitlines()[-1])
    guard = next(no for no, acc in demo["accounts"].items() if acc["role"] == "guard")
    server.start()
    try:
        address = ("127.0.0.1", server.port)
        status, login = Wire("", address=address).post("/api/auth/login", {"employee_no": guard, "password": PASSWORD})
        assert status == 200, login
        phone = Phone(Wire(login["token"], address=address, timeout=30))
        device = threading.Thread(target=phone.push_until_cut_off)
        device.start()
        start = time.monotonic()
        while len([1 for _, body in phone.sent if body]) < 3:  # let a few pushes land first
            assert device.is_alive(), "the device stopped before the crash"
            time.sleep(0.02)
        phone.hang_up.set()  # a batch the server commits while its answer is lost with the crash
        while not phone.abandoned or stored(crash_db, phone.client_id)[1][-1][0] < phone.abandoned[-1]["id"]:
            assert device.is_alive() and time.monotonic() - start < 60, "the abandoned batch was never applied"
            time.sleep(0.05)
        phone.in_flight.clear()
        phone.abandoned_stored.set()
        phone.in_flight.wait(10)
        time.sleep(random.uniform(0.05, 0.95) * min(phone.took))  # somewhere inside the next push
        server.kill()
        device.join(60)
        assert not device.is_alive()
        answered = [(batch, body) for batch, body in phone.sent if body is not None]
        assert phone.sent[-1][1] is None, "the kill should have cut a push off"

        server.start()  # same database, new processes
        incidents, log = stored(crash_db, phone.client_id)
        assert len(incidents) == len(set(incidents))
        statuses = dict(log)
        for batch, body in answered:
            for m, result in zip(batch, body["results"]):
                assert statuses.get(m["id"]) == result["status"], f"mutation {m['id']} was answered and is gone"
                exists = m["args"]["incident_id"] in incidents
                assert exists == (result["status"] == "applied"), (m, result)
        status, page = phone.wire.post("/api/sync/pull", pull_body(phone.client_id, None, 10))
        assert status == 200
        last = page["last_mutation_id"]
        assert answered[-1][1]["last_mutation_id"] <= last < phone.next_id
        assert phone.abandoned[-1]["id"] <= last, "a batch committed before the crash is gone"
        assert [mid for mid, _ in log] == list(range(1, last + 1)), "the log must hold each id up to the counter once"

        for batch, body in phone.sent:  # the device resends everything, lost answers included
            status, again = phone.send(batch)
            assert status == 200, again
            if body is not None:
                assert again["results"] == [{**r, "duplicate": True} for r in body["results"]]
            else:
                assert [r.get("duplicate", False) for r in again["results"]] == [m["id"] <= last for m in batch]
        assert again["last_mutation_id"] == phone.next_id - 1
        incidents, log = stored(crash_db, phone.client_id)
        reports = phone.reports()
        assert sorted(incidents) == sorted(i for i, valid in reports.items() if valid)
        assert log == [(mid, "applied" if mid % 10 else "rejected") for mid in range(1, phone.next_id)]
        copy = full_pull(phone.wire, phone.client_id)
        assert {k[1] for k in copy if k[0] == "incident"} == set(incidents)
    finally:
        server.kill()
