"""Real server processes for the fleet tests (#16): gunicorn as ``./dev.sh serve`` runs it.

A :class:`Host` is one checkout's server: its own instance folder, no ``SECRET_KEY``,
``gunicorn -c gunicorn.conf.py wsgi:app`` on a free loopback port, settings scaled down
through the same environment variables production uses.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "fleet-test-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fleet_pg(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of this test alone (``postgresql://`` URL, as operators write it)."""
    worker_db = request.getfixturevalue("pg_database")  # fails under CI when PostgreSQL is unreachable
    name = f"fieldops_fleet_{uuid.uuid4().hex[:10]}"
    admin = create_engine(worker_db, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield worker_db.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Host:
    """One server process with its own instance folder on ``database_url``."""

    def __init__(self, database_url: str, instance: Path, **settings: str) -> None:
        instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.instance = instance
        env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FIELDOPS_SECRET_KEY", "REDIS_URL"}}
        self.env = {
            **env, "DATABASE_URL": database_url, "FIELDOPS_INSTANCE_PATH": str(instance), "FLASK_APP": "wsgi.py",
            "FIELDOPS_BIND": f"127.0.0.1:{self.port}", "FIELDOPS_WORKERS": "1", "FIELDOPS_LOG_LEVEL": "WARNING",
            **settings,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def flask(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def seed(self) -> dict[str, Any]:
        """``flask db upgrade`` and ``flask seed-demo``: the demo's JSON."""
        self.flask("db", "upgrade")
        return json.loads(self.flask("seed-demo", "--password", PASSWORD, "--json").strip().splitlines()[-1])

    def start(self) -> "Host":
        log = open(self.instance / "gunicorn.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                if self.request("GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not come up:\n" + self.log())

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def log(self) -> str:
        path = self.instance / "gunicorn.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, Any]:
        """One request on a new connection: ``(status, parsed JSON or bytes)``."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes):
            body, sent["Content-Type"] = json.dumps(body), "application/json"
        conn = http.client.HTTPConnection(*self.address, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        kind = resp.getheader("Content-Type", "")
        return resp.status, (json.loads(data) if "json" in kind and data else data)

    def login(self, employee_no: str) -> str:
        status, body = self.request("POST", "/api/auth/login", {"employee_no": employee_no, "password": PASSWORD})
        assert status == 200, body
        return body["token"]


def make_devices(database_url: str, branches: int, per_branch: int, role: str = "guard") -> list[list[str]]:
    """``branches`` new branches of ``per_branch`` staff of ``role``, each with an open
    session made straight in the database (a login costs an Argon2 hash): their bearer
    tokens, per branch."""
    import secrets
    from datetime import datetime, timedelta, timezone

    from server import create_app
    from server.extensions import db
    from server.models.org import DeviceSession, Staff
    from server.services import org
    from server.services.auth import hash_token

    now = datetime.now(timezone.utc)
    app = create_app({"database_url": database_url, "secret_key": "unused-here", "testing": True})
    tokens: list[list[str]] = []
    with app.app_context():
        for _ in range(branches):
            code = "F" + uuid.uuid4().hex[:10].upper()
            branch = org.create_branch(code, f"Fleet {code}", now)
            staff = [Staff(employee_no=f"{code}-{n}", name=f"{role} {n}", role=role, branch_id=branch.id,
                           password_hash="!", active=True, created_at=now, updated_at=now) for n in range(per_branch)]
            db.session.add_all(staff)
            db.session.flush()
            mine = []
            for member in staff:
                token = secrets.token_urlsafe(24)
                db.session.add(DeviceSession(staff_id=member.id, branch_id=branch.id, token_hash=hash_token(token),
                                             created_at=now, last_seen_at=now, expires_at=now + timedelta(days=1)))
                mine.append(token)
            tokens.append(mine)
        db.session.commit()
        db.engine.dispose()
    return tokens
