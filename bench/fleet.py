"""Fleet benchmark (#16): N devices holding a long poll against one host, loopback only.

    .venv/bin/python bench/fleet.py --db sqlite --db postgresql            # N = 100, 1,000, 10,000
    .venv/bin/python bench/fleet.py --db sqlite --waiters 100 --gthread     # also today's gthread row

The server runs as ``./dev.sh serve`` configures it: ``gunicorn -c gunicorn.conf.py
wsgi:app`` (2 gevent workers), on a fresh database with the demo seeded plus the fleet:
guards in branches of 10 (a branch's phones), and at N = 10,000 one branch of 1,000
(the scope of a region's supervisors), each with a session made straight in the
database (an Argon2 login per phone would take minutes). Each device first pulls to its
head cursor, then holds ``wait: 30`` pulls back to back, as the app does while open. Their
first long polls are spread over ``--ramp`` seconds (default one wait, as a fleet's phones
come online at different moments), and the probes begin one wait after the ramp, when
every device is at its own cadence; ``--ramp 2`` is a storm (every phone of a failed host
reconnecting at once), whose first answers all come due together.
While the N wait (and first with none: the baseline of the ratios) it measures, one
request at a time on fresh connections, from a process of its own (``fleet_probe.py``,
after a few unmeasured ones): ``GET /healthz``, a login (production Argon2) and a
10-mutation push (p50/p99 of 200, 100 and 100); then the
time from a push's answer (its commit is before) to the last waiter of its scope
answered with the change, for a branch of 10 and the scope of 1,000; and the RSS of the
workers per waiter (with N waiting minus before any). The client is asyncio in this
process, on the same 2 cores: its own work is in every figure. Two figures a shared
machine does not inflate: the workers' CPU per answered long poll over a
``HOLD_WINDOW`` at the end (a wait's length, after the wake-ups), and per woken waiter of
each wake-up (its next long poll included). Beside them, where the machine's cores went
over that window (this client's CPU per long poll, the share left idle) and, per probe,
its three slowest samples and the kernel's listen-queue overflows meanwhile (a dropped
connection waits 1 s or 3 s for TCP's retransmission).

Each device's long polls reuse one connection, as the app's ``fetch`` does and a proxy
set up by the README's recipe ("Keep the connections to gunicorn") does upstream;
``--new-connections`` opens one per long poll instead, as a proxy without upstream
keep-alive (nginx's default) makes them reach gunicorn. The probes stay on new
connections either way.

``--gthread`` adds today's settings (``-k gthread --threads 16``, keep-alive 2) at the
smallest N, with a 35 s timeout per request. Raises this process's file-descriptor limit
to the hard limit (the server inherits it); N + 1,000 must fit.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fleet_probe  # noqa: E402
from fleet_figures import PROBES, listen_overflows, machine_idle, percentiles, reference_ms, table  # noqa: E402
from servers import Database, pick_port  # noqa: E402

WORK = ROOT / "bench" / ".work" / "fleet"
HOST = "127.0.0.1"
PASSWORD = "fleet-bench-pass"
SAMPLES = {"healthz": 200, "login": 100, "push": 100}  # of fewer, a p99 is about the slowest one
WARM_UP = 4  # unmeasured probes of each kind first (each worker's first login starts its hashing pool)
PROBE_SECONDS = 60  # at most this long per kind of probe (fewer samples on a starved host)
WAIT = 30  # seconds a device asks its long poll to wait, as the app does
HOLD_WINDOW = 30  # seconds (one wait) over which the workers' CPU per answered long poll is measured


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < needed:
        raise SystemExit(f"fleet: the hard file-descriptor limit {hard} is under the {needed} needed")
    return hard


# --- the fleet in the database -----------------------------------------------------------


def make_fleet(url: str, small_branches: int, big: int) -> tuple[list[list[str]], list[str]]:
    """``small_branches`` branches of 10 guards and one of ``big`` (if > 0): their tokens."""
    from sqlalchemy import insert

    from server import create_app
    from server.extensions import db
    from server.models.org import DeviceSession, Staff
    from server.services import org
    from server.services.auth import hash_token

    now = datetime.now(timezone.utc)
    app = create_app({"database_url": url, "secret_key": "bench-unused"})
    sizes = [10] * small_branches + ([big] if big else [])
    out: list[list[str]] = []
    with app.app_context():
        for size in sizes:
            code = "FL" + uuid.uuid4().hex[:8].upper()
            branch = org.create_branch(code, f"Fleet {code}", now)
            staff = [{"id": uuid.uuid4(), "employee_no": f"{code}-{n}", "name": f"guard {n}", "role": "guard",
                      "branch_id": branch.id, "password_hash": "!", "active": True, "created_at": now,
                      "updated_at": now} for n in range(size)]
            tokens = [secrets.token_urlsafe(24) for _ in staff]
            db.session.execute(insert(Staff), staff)
            db.session.execute(insert(DeviceSession), [
                {"id": uuid.uuid4(), "staff_id": s["id"], "branch_id": branch.id, "token_hash": hash_token(t),
                 "created_at": now, "last_seen_at": now, "expires_at": now + timedelta(days=2)}
                for s, t in zip(staff, tokens)])
            out.append(tokens)
        db.session.commit()
        db.engine.dispose()
    return (out[:-1], out[-1]) if big else (out, [])


# --- HTTP on asyncio ---------------------------------------------------------------------


def _message(method: str, path: str, body: object, token: str | None, *, close: bool) -> bytes:
    data = b"" if body is None else json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(data)}"]
    if close:
        head.append("Connection: close")
    if body is not None:
        head.append("Content-Type: application/json")
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


async def request(port: int, method: str, path: str, body: object = None, token: str | None = None,
                  timeout: float = 60) -> tuple[int, bytes]:
    """One request on a new connection (``Connection: close``): ``(status, body)``."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        writer.write(_message(method, path, body, token, close=True))
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    status = int(status_line.split()[1]) if status_line else 0
    return status, rest.partition(b"\r\n\r\n")[2]


class KeptConnection:
    """One device's connection, reused from one long poll to the next (the default),
    as a browser's ``fetch`` reuses one to its origin and a proxy with upstream
    keep-alive reuses one to gunicorn. Opened when none is open; dropped when the
    server answers ``Connection: close`` (a shutdown, a 408) or on an error; a reused
    connection the server closed while idle (gunicorn's ``keepalive`` seconds) is
    opened again once, as browsers retry an idempotent request."""

    def __init__(self, port: int) -> None:
        self.port, self.streams = port, None

    async def request(self, method: str, path: str, body: object, token: str | None,
                      timeout: float) -> tuple[int, bytes]:
        for reused in (self.streams is not None, False):
            if self.streams is None:
                self.streams = await asyncio.wait_for(asyncio.open_connection(HOST, self.port), timeout)
            reader, writer = self.streams
            try:
                writer.write(_message(method, path, body, token, close=False))
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            except (OSError, asyncio.IncompleteReadError):
                self.close()
                if reused:
                    continue
                raise ConnectionError("the server closed a new connection")
            except BaseException:
                self.close()
                raise
            lines = head.decode("latin-1").split("\r\n")
            fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            try:
                data = await asyncio.wait_for(reader.readexactly(int(fields.get("content-length", 0))), timeout)
            except BaseException:
                self.close()
                raise
            if fields.get("connection", "").lower() == "close":
                self.close()
            return int(lines[0].split()[1]), data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def pull_body(client_id: str, cursor: str | None, wait: float) -> dict:
    return {"client_id": client_id, "protocol": 1, "cursor": cursor, "limit": 500, "wait": wait}


class Device:
    """One phone: its token, client id and cursor; answers with changes are timed."""

    def __init__(self, token: str) -> None:
        self.token, self.client_id, self.cursor = token, str(uuid.uuid4()), None
        self.woke: list[float] = []
        self.waiting = False
        self.errors = 0
        self.polls = 0  # answered long polls


async def head_cursor(port: int, device: Device) -> None:
    """The device's first pull; a 503 ``busy`` (a host shedding the burst) is retried when
    it says, as the app does, and counted in the device's errors."""
    for _ in range(10):
        status, body = await request(port, "POST", "/api/sync/pull", pull_body(device.client_id, None, 0),
                                     device.token)
        if status != 503:
            break
        device.errors += 1
        await asyncio.sleep(json.loads(body).get("retry_after", 1))
    assert status == 200, (status, body[:300])
    device.cursor = json.loads(body)["cursor"]


async def hold(port: int, device: Device, stop: asyncio.Event, timeout: float, keep_alive: bool = False) -> None:
    """Long polls back to back until ``stop``: each on a new connection, or with
    ``keep_alive`` all on one (:class:`KeptConnection`)."""
    kept = KeptConnection(port) if keep_alive else None
    try:
        await _hold(port, device, stop, timeout, kept)
    finally:
        if kept is not None:
            kept.close()


async def _hold(port: int, device: Device, stop: asyncio.Event, timeout: float, kept: KeptConnection | None) -> None:
    while not stop.is_set():
        device.waiting = True
        body = pull_body(device.client_id, device.cursor, WAIT)
        try:
            if kept is None:
                status, body = await request(port, "POST", "/api/sync/pull", body, device.token, timeout=timeout)
            else:
                status, body = await kept.request("POST", "/api/sync/pull", body, device.token, timeout)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            device.waiting, device.errors = False, device.errors + 1
            await asyncio.sleep(1)
            continue
        device.waiting = False
        device.polls += 1
        if status != 200:
            device.errors += 1
            await asyncio.sleep(1)
            continue
        page = json.loads(body)
        device.cursor = page["cursor"]
        if page["changes"]:
            device.woke.append(time.monotonic())
        if "retry_after_ms" in page:
            device.errors += 1
            await asyncio.sleep(page["retry_after_ms"] / 1000)


@contextlib.contextmanager
def lag_meter(every: float = 0.005) -> Iterator[list[float]]:
    """How late this process's loop wakes a task that sleeps ``every`` seconds, each time,
    in seconds, while the block runs: the client's own delay in whatever it times."""
    lags: list[float] = []

    async def meter() -> None:
        while True:
            t0 = time.monotonic()
            await asyncio.sleep(every)
            lags.append(max(0.0, time.monotonic() - t0 - every))

    task = asyncio.get_running_loop().create_task(meter())
    try:
        yield lags
    finally:
        task.cancel()


async def gather_limited(coros: list, limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def run(coro):  # noqa: ANN001, ANN202
        async with gate:
            await coro

    await asyncio.gather(*(run(c) for c in coros))


class Server:
    def __init__(self, url: str, env: dict[str, str], log: Path) -> None:
        self.port = pick_port(5600)
        self.env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", "FIELDOPS_LOG_LEVEL": "WARNING",
                    "FIELDOPS_BIND": f"{HOST}:{self.port}", "FIELDOPS_ACCESS_LOG": "/dev/null",
                    "FIELDOPS_INSTANCE_PATH": str(WORK / "instance"), **env}
        self.env.pop("SECRET_KEY", None)
        self.log = log

    def flask(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                         cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if asyncio.run(request(self.port, "GET", "/healthz", timeout=2))[0] == 200:
                    return
            except (OSError, asyncio.TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("server did not start:\n" + self.log.read_text()[-2000:])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the workers used so far: a figure the other tenants of
        a shared machine do not inflate, unlike wall-clock latencies."""
        total = 0.0
        for pid in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def rss_kib(self) -> int:
        """Resident memory of the workers (the master's children), KiB."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        total = 0
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --- one measurement -----------------------------------------------------------------------


async def measure(server: Server, devices: list[Device], scopes: dict[str, list[Device]], guard: str,
                  timeout: float, probes: Executor, keep_alive: bool = False, ramp: float = 30.0) -> dict:
    port = server.port
    reference = reference_ms()  # before anyone waits: the machine's speed, not the fleet's load
    status, body = await request(port, "POST", "/api/auth/login", {"employee_no": guard, "password": PASSWORD})
    assert status == 200, body[:300]
    token = json.loads(body)["token"]  # the demo guard's: pushes into a branch nobody waits on
    samples = SAMPLES if timeout <= 40 else {k: 3 for k in SAMPLES}
    loop = asyncio.get_running_loop()
    for name in PROBES:  # unmeasured: a host in service has hashed a password and pushed before
        await loop.run_in_executor(probes, functools.partial(
            fleet_probe.probe, port, name, WARM_UP, guard=guard, password=PASSWORD, token=token, timeout=timeout,
            seconds=PROBE_SECONDS))
    await gather_limited([head_cursor(port, d) for d in devices], 64)
    rss_before = server.rss_kib()
    stop = asyncio.Event()
    tasks = []
    began = time.monotonic()
    for i, device in enumerate(devices):  # device i opens its first long poll at i * ramp / N
        await asyncio.sleep(max(0.0, began + i * ramp / len(devices) - time.monotonic()))
        tasks.append(asyncio.create_task(hold(port, device, stop, timeout, keep_alive)))
    # then one wait more: the first long polls' answers overlap the ramp's last seconds
    # (twice the steady rate of arrivals); past them each device is at its own cadence
    await asyncio.sleep(WAIT + 3 if devices else 0)
    held = sum(d.waiting for d in devices)
    rss_waiting = server.rss_kib()
    result: dict = {"waiters": len(devices), "held": held, "reference_ms": reference,
                    "rss_per_waiter_kib": round((rss_waiting - rss_before) / max(1, len(devices)), 1),
                    "rss_workers_mib": round(rss_waiting / 1024, 1)}
    with lag_meter() as lags:
        for name in PROBES:
            overflows, lagged = listen_overflows(), len(lags)
            took, failed = await loop.run_in_executor(probes, functools.partial(
                fleet_probe.probe, port, name, samples[name], guard=guard, password=PASSWORD, token=token,
                timeout=timeout, seconds=PROBE_SECONDS))
            result[name] = {**percentiles(took), "failed": failed,
                            "slowest_ms": sorted(round(t * 1000) for t in took)[-3:],
                            "ms": sorted(round(t * 1000, 1) for t in took),
                            "listen_overflows": listen_overflows() - overflows,
                            # how late this client's own loop ran meanwhile: what timing the
                            # probes inside it (before 6 December) added to their figures
                            "loop_lag": percentiles(lags[lagged:])}
    for label, members in scopes.items():
        woke = []
        for _ in range(3):
            before = {id(d): len(d.woke) for d in members}
            try:
                await request(port, "POST", "/api/sync/push", fleet_probe.push_body(1), members[0].token,
                              timeout=timeout)
            except (OSError, asyncio.TimeoutError):
                woke.append({"last_ms": None, "woken": 0, "of": len(members), "push_failed": True})
                continue
            committed, cpu = time.monotonic(), server.cpu_seconds()
            deadline = committed + 10
            while time.monotonic() < deadline and not all(len(d.woke) > before[id(d)] for d in members):
                await asyncio.sleep(0.01)
            done = [d.woke[before[id(d)]] for d in members if len(d.woke) > before[id(d)]]
            woke.append({"last_ms": round((max(done) - committed) * 1000, 1) if done else None,
                         "woken": len(done), "of": len(members),
                         # the workers' CPU from the push's answer to the last answer, woken
                         # ones' next long polls included: per woken waiter
                         "cpu_ms_per_woken": round((server.cpu_seconds() - cpu) * 1000 / max(1, len(done)), 2)})
            await asyncio.sleep(1)
        result[f"wake_{label}"] = woke
    if devices:  # what holding them costs: the workers' CPU per answered long poll, by now
        # past the first round of waits (the probes and wake-ups took longer than one)
        polls, cpu, t0 = sum(d.polls for d in devices), server.cpu_seconds(), time.monotonic()
        mine, idle = time.process_time(), machine_idle()
        await asyncio.sleep(HOLD_WINDOW)
        polls, cpu = sum(d.polls for d in devices) - polls, server.cpu_seconds() - cpu
        seconds = time.monotonic() - t0
        result["hold"] = {"seconds": round(seconds, 1), "polls": polls,
                          "worker_cpu_s": round(cpu, 2), "cpu_ms_per_poll": round(cpu * 1000 / max(1, polls), 2),
                          # where the machine's two cores went meanwhile: this client's share and
                          # what was left idle (PostgreSQL and other tenants are the rest)
                          "client_cpu_ms_per_poll": round((time.process_time() - mine) * 1000 / max(1, polls), 2),
                          "machine_idle_pct": round(100 * (machine_idle() - idle) / (seconds * (os.cpu_count() or 1)),
                                                    1)}
    result["client_errors"] = sum(d.errors for d in devices)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


def run_db(kind: str, ns: list[int], gthread: bool, keep_alive: bool = False, ramp: float = 30.0) -> list[dict]:
    WORK.mkdir(parents=True, exist_ok=True)
    db = Database(kind, f"bench_fleet_{os.getpid()}", WORK).create()
    url = db.url
    rows = []
    # the probes' process, started before any device waits (fleet_probe.py)
    probes = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    probes.submit(fleet_probe.push_body, 0).result()
    try:
        seed = Server(url, {}, WORK / "seed.log")
        seed.flask("db", "upgrade")
        demo = json.loads(seed.flask("seed-demo", "--password", PASSWORD, "--json").strip().splitlines()[-1])
        guard = next(no for no, acc in demo["accounts"].items() if acc["role"] == "guard")
        biggest = max(ns)
        big = 1000 if biggest >= 10_000 else 0
        small, region = make_fleet(url, (biggest - big) // 10, big)
        connections = ", keep-alive" if keep_alive else ", new connection each"
        configs = [("gevent (gunicorn.conf.py)" + connections, {}, 40.0)]
        if gthread:
            configs.append(("gthread 2x16 (before #16)", {
                "GUNICORN_CMD_ARGS": "--worker-class gthread --threads 16 --keep-alive 2 --worker-connections 1000"},
                45.0))
        for label, env, timeout in configs:
            for n in ([0, *ns] if "gevent" in label else [min(ns)]):
                server = Server(url, env, WORK / f"server-{kind}-{n}.log")
                server.start()
                try:
                    spread = [Device(t) for branch in small[: (n - (big if n >= 10_000 else 0)) // 10] for t in branch]
                    regional = [Device(t) for t in region] if n >= 10_000 else []
                    scopes = {"10": spread[:10]} if spread else {}
                    if regional:
                        scopes["1000"] = regional
                    row = asyncio.run(measure(server, spread + regional, scopes, guard, timeout, probes,
                                              keep_alive and "gevent" in label, ramp))
                    row.update({"db": kind, "server": label, "ramp_s": ramp})
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    with open(WORK / "rows.jsonl", "a") as out:
                        out.write(json.dumps(row) + "\n")
                finally:
                    server.stop()
    finally:
        probes.shutdown()
        db.drop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", metavar="JSON", help="print the table of a results file (or rows.jsonl) and stop")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--waiters", default="100,1000,10000")
    parser.add_argument("--gthread", action="store_true", help="also today's gthread settings at the smallest N")
    parser.add_argument("--new-connections", action="store_true",
                        help="a new connection per long poll (a proxy without upstream keep-alive) instead of "
                             "each device's long polls on one kept connection (the app's fetch, the README's proxy)")
    parser.add_argument("--ramp", type=float, default=30.0, metavar="SECONDS",
                        help="the devices' first long polls are spread over this long (default: one wait, "
                             "as a fleet's phones opened at different times); 2 is a storm of reconnections")
    args = parser.parse_args()
    if args.table:
        text = Path(args.table).read_text()
        rows = json.loads(text)["rows"] if text.lstrip().startswith("{\n") or '"rows"' in text[:20] else [
            json.loads(line) for line in text.splitlines() if line.strip()]
        print(table(rows))
        return
    ns = [int(x) for x in args.waiters.split(",")]
    raise_fd_limit(max(ns) + 1000)
    rows = []
    for kind in args.db or ["sqlite"]:
        rows += run_db(kind, ns, args.gthread, not args.new_connections, args.ramp)
    out = ROOT / "bench" / "results" / f"fleet-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({"rows": rows, "argv": sys.argv[1:], "load": os.getloadavg(),
                               "cpus": os.cpu_count()}, indent=1))
    print(table(rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
