"""Start and stop gunicorn servers and the databases behind them.

Every server of the benchmark (hello-world, ours, Kinto) runs under the same gunicorn
flags (:data:`GUNICORN_FLAGS`), bound to 127.0.0.1, in its own process group, and is
stopped by its pid when the phase ends (SIGTERM, then SIGKILL after a grace period).
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

HOST = "127.0.0.1"
WORKERS = 2
THREADS = 8
EMPTY_CONFIG = str(Path(__file__).resolve().parent / "gunicorn_empty.conf.py")
GUNICORN_FLAGS = [
    "--config", EMPTY_CONFIG,
    "--workers", str(WORKERS),
    "--worker-class", "gthread",
    "--threads", str(THREADS),
    "--keep-alive", "30",
    "--timeout", "120",
    "--graceful-timeout", "5",
    "--log-level", "warning",
]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_BASE = PG_ADMIN_URL.rsplit("/", 1)[0]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    for port in range(preferred, preferred + 50):
        if port_free(port):
            return port
    raise RuntimeError(f"no free port near {preferred}")


class Server:
    """One gunicorn master (plus workers), started in its own session."""

    def __init__(self, name: str, gunicorn: str, app: str, *, port: int, cwd: Path, env: dict[str, str],
                 log_dir: Path, health_path: str = "/healthz") -> None:
        self.name, self.port, self.cwd, self.health_path = name, port, cwd, health_path
        self.argv = [gunicorn, *GUNICORN_FLAGS, "--bind", f"{HOST}:{port}", app]
        self.env = {k: v for k, v in {**os.environ, **env}.items() if k != "GUNICORN_CMD_ARGS"}
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, ready_timeout: float = 60.0) -> None:
        if not port_free(self.port):
            raise RuntimeError(f"{self.name}: port {self.port} is taken")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", self.health_path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status < 500:
                    # Both workers must be up before we measure: give the second a moment.
                    time.sleep(1.0)
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on {self.port} in {ready_timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the group we made with start_new_session
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Database:
    """A fresh database of one kind for one server; dropped (or deleted) on close."""

    def __init__(self, kind: str, name: str, work: Path) -> None:
        self.kind, self.name = kind, name
        if kind == "sqlite":
            self.path = work / f"{name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        elif kind == "postgresql":
            self.url = f"{PG_BASE}/{name}"
        else:
            raise ValueError(kind)

    def create(self) -> "Database":
        self.drop()
        if self.kind == "postgresql":
            psql_admin(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                p = Path(str(self.path) + suffix)
                if p.exists():
                    p.unlink()
        else:
            psql_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def psql_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def wait_port_closed(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not port_free(port):
        time.sleep(0.1)
