"""SIGKILL the server in the middle of pushes; restart; nothing answered is lost or doubled (#3).

sync-protocol "Push", durability: every mutation reported in a 200 survives a crash of
the server process the instant after; after a lost response the client sends the same
batch again and nothing is ever applied twice.

The real thing, on SQLite and PostgreSQL: ``flask db upgrade`` and ``flask seed-demo``
make a fresh database, gunicorn (1 worker, 4 threads) serves it, a device thread pushes
batches in a loop (each holds a ``slow`` note that sleeps 0.3 s inside its transaction),
and the whole gunicorn process group gets SIGKILL while a push is in flight. gunicorn
then starts again on the same database, and every batch is sent again.
"""
from __future__ import annotations

import json
import os
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
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "sync")]),
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
             "-b", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null", "proof_wsgi:app"],
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
    """A guard's device: numbered mutations, every batch it sent and the answer (if any)."""

    def __init__(self, wire: Wire) -> None:
        self.wire, self.client_id, self.next_id = wire, uuid.uuid4(), 1
        self.notes: list[str] = []
        self.sent: list[tuple[list[dict[str, Any]], dict[str, Any] | None]] = []
        self.in_flight = threading.Event()

    def batch(self, n: int) -> list[dict[str, Any]]:
        batch = []
        for k in range(3):
            at = datetime.now(timezone.utc).isoformat()
            if k == 1 and self.notes:  # append to an earlier note: a double apply would show
                args = {"note_id": self.notes[(n * 7) % len(self.notes)], "token": f"a{self.next_id}"}
                batch.append({"id": self.next_id, "name": "note.append", "at": at, "args": args})
            else:
                note_id = str(uuid.uuid4())
                self.notes.append(note_id)
                text = "slow" if k == 0 else f"n{self.next_id}"
                args = {"note_id": note_id, "text": text}
                batch.append({"id": self.next_id, "name": "note.put", "at": at, "args": args})
            self.next_id += 1
        return batch

    def send(self, batch: list[dict[str, Any]]) -> tuple[int, Any]:
        return self.wire.post("/api/sync/push", push_body(self.client_id, batch, datetime.now(timezone.utc)))

    def push_until_cut_off(self) -> None:
        """Push new batches until the server stops answering; the last one's answer is lost."""
        n = 0
        while True:
            batch = self.batch(n)
            n += 1
            self.sent.append((batch, None))
            self.in_flight.set()
            try:
                status, body = self.send(batch)
            except OSError:
                return
            assert status == 200, body
            self.sent[-1] = (batch, body)


def expected_notes(phone: Phone) -> dict[str, str]:
    """Each note's text when every mutation sent was applied exactly once, in id order."""
    texts: dict[str, str] = {}
    for batch, _ in phone.sent:
        for m in batch:
            if m["name"] == "note.put":
                texts[m["args"]["note_id"]] = m["args"]["text"]
            else:
                texts[m["args"]["note_id"]] += " " + m["args"]["token"]
    return texts


def stored(database_url: str, client_id: uuid.UUID) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """(note texts by id, [(mutation id, status)] of the client) read straight from the database."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, text FROM sync_test_note"))
            notes = {str(uuid.UUID(str(r.id))): r.text for r in rows}
            log = [(r.mutation_id, r.status) for r in conn.execute(
                text("SELECT mutation_id, status FROM sync_mutation WHERE client_id = :c ORDER BY mutation_id"),
                {"c": client_id.hex if database_url.startswith("sqlite") else str(client_id)})]
    finally:
        engine.dispose()
    return notes, log


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
        while len([1 for _, body in phone.sent if body]) < 5:  # let a few pushes land first
            assert device.is_alive(), "the device stopped before the crash"
            time.sleep(0.05)
        phone.in_flight.clear()
        phone.in_flight.wait(10)
        time.sleep(0.15)  # inside the next push's slow note: its transaction is open
        server.kill()
        device.join(60)
        assert not device.is_alive()
        answered = [(batch, body) for batch, body in phone.sent if body is not None]
        assert phone.sent[-1][1] is None, "the kill should have cut a push off"

        server.start()  # same database, new processes
        notes, log = stored(crash_db, phone.client_id)
        for batch, body in answered:
            for m, result in zip(batch, body["results"]):
                assert result == {"id": m["id"], "status": "applied"}
                if m["name"] == "note.put":
                    assert m["args"]["note_id"] in notes, f"mutation {m['id']} was answered applied and is gone"
                else:
                    assert notes[m["args"]["note_id"]].split().count(m["args"]["token"]) == 1
        last_answered = answered[-1][1]["last_mutation_id"]
        status, page = phone.wire.post("/api/sync/pull", pull_body(phone.client_id, None, 500))
        assert status == 200
        last = page["last_mutation_id"]
        assert last_answered <= last < phone.next_id
        assert [mid for mid, _ in log] == list(range(1, last + 1)), "the log must hold each id up to the counter once"

        for batch, body in phone.sent:  # the device resends everything, lost answers included
            status, again = phone.send(batch)
            assert status == 200, again
            if body is not None:
                assert again["results"] == [{**r, "duplicate": True} for r in body["results"]]
            else:
                assert [r.get("duplicate", False) for r in again["results"]] == [m["id"] <= last for m in batch]
        assert again["last_mutation_id"] == phone.next_id - 1
        notes, log = stored(crash_db, phone.client_id)
        assert log == [(mid, "applied") for mid in range(1, phone.next_id)]
        assert {nid: notes.get(nid) for nid in phone.notes} == expected_notes(phone)
        copy = full_pull(phone.wire, phone.client_id)
        assert {k[1]: v["text"] for k, v in copy.items() if k[0] == "note"} == expected_notes(phone)
    finally:
        server.kill()
