"""One request's cost inside the app, without HTTP: the figures the README quotes as
"in-process" (issue #3). Not a test, and no substitute for ``run.py``.

On a freshly migrated and seeded database (``flask db upgrade``, ``flask seed-demo``) a
demo guard logs in, pushes ``--preseed`` batches of 100 ``incident.report`` and pulls to
the head; then one WSGI call is timed, ``--count`` times: the ``environ`` is built once
and the app is called directly, so neither a test client nor a server is in the figure.

* ``poll``: an empty poll from the head cursor (one device, principal remembered);
* ``push``: a batch of 100 ``incident.report`` (each call a new batch);
* ``hello``: a route of the same app answering ``{"hello": "world"}``: the floor;
* ``mix``: CPU time (``time.process_time``) per mutation of #17's mix in batches of 100
  and of 5 (a phone after a short outage), and of each mutator alone (``bench/mix.py``'s bodies), on ``--branches`` seeded demo
  branches (default 8), each phase ``--count`` batches (default 40); with ``--profile``
  the cProfile of the mix phase (or of ``BENCH_PROFILE_PHASE``, e.g. ``shift.*``);
* ``pull``: a full pull of the guard's scope from ``cursor: null`` in pages of 500 (best of
  5), and with ``--history ROWS`` again after that many feed rows of 50 other branches
  are written and analyzed as ``run.py`` does (``ours.seed_history``).

With ``--read-cost`` (PostgreSQL) it also reads the poll's statement 5,000 times on one
pooled connection and prints the wall time and the CPU time of the client process and
of its PostgreSQL backend (``/proc/<pid>/stat``) per read. ``--profile`` prints cProfile's
top functions for the timed calls (``BENCH_PROFILE_SORT``, default ``cumulative``, e.g.
``tottime``; ``BENCH_PROFILE_LINES``, default 40).

    .venv/bin/python bench/inprocess.py --db sqlite --mode poll
    .venv/bin/python bench/inprocess.py --db postgresql --mode poll --read-cost
    .venv/bin/python bench/inprocess.py --db postgresql --mode pull --preseed 100 --history 1000000
    .venv/bin/python bench/inprocess.py --db sqlite --mode mix --branches 8 [--profile]
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

import ours  # noqa: E402
import servers  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--mode", choices=["poll", "push", "hello", "pull", "mix"], default="poll")
    ap.add_argument("--history", type=int, default=0, help="pull: feed rows of other branches added before the second pull")
    ap.add_argument("--count", type=int, default=None, help="timed calls (poll/hello 5,000; push 100)")
    ap.add_argument("--preseed", type=int, default=1, help="batches of 100 pushed before (default 1)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--branches", type=int, default=8, help="mix: seeded demo branches")
    ap.add_argument("--read-cost", action="store_true", help="PostgreSQL: CPU of client and backend per poll read")
    ap.add_argument("--statements", action="store_true", help="mix: SQL statements per push, and the most frequent")
    args = ap.parse_args()
    count = args.count or (100 if args.mode == "push" else 5000)
    work = BENCH_DIR / ".work" / f"inprocess_{time.strftime('%Y%m%dT%H%M%S')}"
    work.mkdir(parents=True, exist_ok=True)
    db = servers.Database(args.db, f"bench_inprocess_{args.db[:2]}", work).create()
    env = {"DATABASE_URL": db.url, "SECRET_KEY": ours.SECRET, "FIELDOPS_LOG_LEVEL": "WARNING",
           "FLASK_APP": "wsgi.py", "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        if args.mode == "mix":
            return measure_mix(args, args.count or 40, env)
        ours.flask(ROOT, env, "db", "upgrade")
        seed = json.loads(ours.flask(ROOT, env, "seed-demo", "--password", ours.PASSWORD, "--json"))
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        measure(args, count, ours.account(seed, "guard"), db)
    finally:
        db.drop()


def measure(args: argparse.Namespace, count: int, guard: str, db: servers.Database) -> None:
    from werkzeug.test import EnvironBuilder

    from wsgi import app

    @app.get("/bench-hello")
    def _hello() -> dict:
        return {"hello": "world"}

    client = app.test_client()
    login = client.post("/api/auth/login", json={"employee_no": guard, "password": ours.PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    device = Device(str(uuid.uuid4()))
    for _ in range(args.preseed):
        answer = client.post("/api/sync/push", json=device.batch(), headers=headers)
        assert answer.status_code == 200, answer.data
    cursor = None
    while True:
        page = client.post("/api/sync/pull", json=device.pull_body(cursor), headers=headers).get_json()
        cursor = page["cursor"]
        if not page["has_more"]:
            break

    if args.mode == "pull":
        def full_pull() -> tuple[float, int]:
            best, changes = float("inf"), 0
            for _ in range(5):
                start, page_cursor, changes = time.perf_counter(), None, 0
                while True:
                    page = client.post("/api/sync/pull", json=device.pull_body(page_cursor), headers=headers).get_json()
                    page_cursor, changes = page["cursor"], changes + len(page["changes"])
                    if not page["has_more"]:
                        break
                best = min(best, time.perf_counter() - start)
            return best * 1e3, changes

        took, changes = full_pull()
        print(f"full pull on {args.db}: {took:.1f} ms for {changes:,} changes (best of 5)")
        if args.history:
            before, after = ours.seed_history(db, args.history, ours.MUTATORS["incident.report"])
            again, changes = full_pull()
            print(f"full pull on {args.db} with {after:,} feed rows stored (was {before:,}): {again:.1f} ms for "
                  f"{changes:,} changes ({again / took:.2f}x)")
        return

    def wsgi_call(path: str, method: str, body: bytes | None, expect: bytes) -> Callable[[], None]:
        base = EnvironBuilder(path=path, method=method, data=body, content_type="application/json",
                              headers=headers).get_environ()
        status: list[str] = []

        def start_response(line: str, _headers: Any, _exc: Any = None) -> None:
            status.append(line)

        def call(data: bytes | None = body) -> None:
            environ = dict(base)
            environ["wsgi.input"] = io.BytesIO(data or b"")
            environ["CONTENT_LENGTH"] = str(len(data or b""))
            answer = app(environ, start_response)
            out = b"".join(answer)
            getattr(answer, "close", lambda: None)()
            if not status.pop().startswith("200") or expect not in out:
                raise RuntimeError(f"unexpected answer: {out[:300]!r}")

        return call

    if args.mode == "poll":
        one = wsgi_call("/api/sync/pull", "POST", json.dumps(device.pull_body(cursor)).encode(), b'"changes":[]')
    elif args.mode == "hello":
        one = wsgi_call("/bench-hello", "GET", None, b"world")
    else:
        bodies = iter([json.dumps(device.batch()).encode() for _ in range(min(200, count) + count * 2)])
        push = wsgi_call("/api/sync/push", "POST", b"{}", b'"results"')
        one = lambda: push(next(bodies))  # noqa: E731
    for _ in range(min(200, count)):
        one()
    start = time.perf_counter()
    for _ in range(count):
        one()
    took = (time.perf_counter() - start) / count
    print(f"{args.mode} on {args.db}: {took * 1e3:.3f} ms per call ({count} calls, preseed {args.preseed} x 100)")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(count):
            one()
        profile.disable()
        stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "40")))
    if args.read_cost:
        read_cost(app)


class _Client:
    """What ``mix.Phase`` needs of a device's client: its id, counter and headers."""

    def __init__(self, token: str) -> None:
        self.client_id, self.next_id = str(uuid.uuid4()), 1
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def measure_mix(args: argparse.Namespace, count: int, env: dict[str, str]) -> None:
    """CPU per mutation of the mix (batches of 100) and of each mutator alone (#17)."""
    import subprocess

    import mix
    import mix_devices

    ours.migrate(ROOT, env, lambda s: None)
    proc = subprocess.run([sys.executable, str(BENCH_DIR / "mix.py"), "--seed-fleet", str(args.branches)], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=1200, check=True)
    fleet = json.loads(proc.stdout)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from datetime import datetime, timedelta, timezone

    from wsgi import app

    client = app.test_client()
    tokens = {(b, r): f["tokens"][r] for b, f in enumerate(fleet) for r in mix.ROLES}
    today = (datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).date() - timedelta(days=1)).isoformat()
    devices = {k: mix_devices.Device(k[1], fleet[k[0]]["checkpoint"], today) for k in tokens}

    def push(phase: "mix.Phase") -> None:
        headers_of = {str(i): phase.clients[k].headers for k, i in phase.order.items()}
        for line in phase.lines:
            n, body = line.split(" ", 1)
            headers = headers_of[n]
            answer = client.post("/api/sync/push", data=body, headers=headers)
            results = answer.get_json()["results"] if answer.status_code == 200 else answer.data
            if answer.status_code != 200 or any(r["status"] != "applied" for r in results):
                raise RuntimeError(f"push not applied: {str(results)[:400]}")

    start = mix.Phase({k: _Client(t) for k, t in tokens.items() if k[1] in ("guard", "cleaner")})
    for k in start.clients:
        start.add(k, list(devices[k].shift_pair()), devices[k])
    push(start)
    phases = {"mix_100": lambda c: mix.mix_bodies(devices, c, 100, 100 * count),
              "mix_5": lambda c: mix.mix_bodies(devices, c, 5, 5 * count)}
    phases.update({what: (lambda c, what=what: mix.alone_bodies(devices, c, what, 100 * count)) for what in mix.ALONE})
    push(phases["mix_100"]({k: _Client(t) for k, t in tokens.items()}))  # warm
    figures = {}
    statements: collections.Counter[str] = collections.Counter()
    if args.statements:
        from sqlalchemy import event

        from server.extensions import db

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda _c, _cur, sql, *_a: statements.update([" ".join(sql.split())[:90]]))
    for name, make in phases.items():
        statements.clear()
        bodies = make({k: _Client(t) for k, t in tokens.items()})
        profile = cProfile.Profile() if args.profile and name == os.environ.get("BENCH_PROFILE_PHASE", "mix_100") else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        push(bodies)
        wall = time.perf_counter() - wall
        if profile:
            profile.disable()
        mutations = sum(len(json.loads(line.split(" ", 1)[1])["mutations"]) for line in bodies.lines)
        figures[name] = (time.process_time() - cpu) / mutations * 1e6
        print(f"{name} on {args.db}: {figures[name]:,.0f} us CPU per mutation ({len(bodies.lines)} pushes, "
              f"{wall / mutations * 1e6:,.0f} us wall)", flush=True)
        if args.statements:
            print(f"  {sum(statements.values()) / len(bodies.lines):.1f} statements per push; the most frequent:")
            for sql, n in statements.most_common(12):
                print(f"  {n / len(bodies.lines):7.2f}  {sql}")
        if profile:
            stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "40")))
            if os.environ.get("BENCH_PROFILE_CALLERS"):  # a regex: who calls what matches it
                stats.print_callers(os.environ["BENCH_PROFILE_CALLERS"])
    print(", ".join(f"{n} {v / figures['mix_100']:.2f}x" for n, v in figures.items()) + " (CPU per mutation / the mix's)")


def read_cost(app: Any) -> None:
    """CPU per poll read on PostgreSQL: this process and its backend, one connection."""
    from server.db_events import reads
    from server.extensions import db
    from sync import page_read

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        print("--read-cost needs --db postgresql")
        return
    read = reads(engine)
    probe = page_read.ClientProbe(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), time_now())
    audiences = ["x/guard", "y/branch", "z/staff"]
    with read() as conn:
        backend = conn.dbapi.driver_connection.info.backend_pid
    n = 5000
    for _ in range(200):
        with read() as conn:
            page_read.read(conn, audiences, 10**9, 501, probe)
    ticks0, cpu0, wall0 = _ticks(backend), time.process_time(), time.perf_counter()
    for _ in range(n):
        with read() as conn:
            page_read.read(conn, audiences, 10**9, 501, probe)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    backend_cpu = (_ticks(backend) - ticks0) / os.sysconf("SC_CLK_TCK")
    print(f"poll read on postgresql: wall {wall / n * 1e6:.0f} us, client CPU {cpu / n * 1e6:.0f} us, "
          f"backend CPU {backend_cpu / n * 1e6:.0f} us per read ({n} reads, one pooled connection)")


def time_now() -> Any:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


class Device:
    """One device's client id and mutation counter."""

    def __init__(self, client_id: str) -> None:
        self.client_id, self.next_id = client_id, 1

    def batch(self, size: int = 100) -> dict[str, Any]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        mutator = ours.MUTATORS["incident.report"]
        mutations = []
        for _ in range(size):
            args = json.loads(mutator.args_tpl.replace("%ID%", str(uuid.uuid4())))
            mutations.append({"id": self.next_id, "name": mutator.name, "at": now, "args": args})
            self.next_id += 1
        return {"client_id": self.client_id, "protocol": 1, "sent_at": now, "mutations": mutations}

    def pull_body(self, cursor: str | None) -> dict[str, Any]:
        return {"client_id": self.client_id, "protocol": 1, "cursor": cursor, "limit": 500}


if __name__ == "__main__":
    main()
