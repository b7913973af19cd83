"""Push the field's real mix (#17), beside the ``contract`` floor of ``floor.py``, in one run.

    .venv/bin/python bench/mix.py --db sqlite --db postgresql [--seconds 10] [--branches 40]

Per 200 mutations (the issue's mix per 100, doubled so every share is whole): 120
``patrol.record`` with every check (one in six with a fault or an anomaly, which raises an
incident), 10 ``incident.report`` and 10 ``shift.*`` from a guard; 20 ``cleaning.record``
and 10 ``shift.*`` from a cleaner; 20 ``box.*`` from the lobby manager (open, entries,
replies, close); 10 ``complaint.*`` from a teller (open, promise, resolve).
A push is one device's, so each device's stream is cut into batches of 100 (or 5, the
size a phone sends after a short outage) and the batches are interleaved in those
proportions on one connection: every 200 mutations pushed carry the mix. Then each
mutator alone (its devices' streams of only it, batches of 100).

The load is a fleet's: ``--branches`` demo branches (``seed_demo`` each), the four
devices of each its own branch's, and every role's batches go round the branches in
turn, so a branch-day holds 1/``branches`` of the pushed patrols and shifts (the field:
~24 patrols a day per branch), not all of them. Their device sessions are written
straight into the database (the same rows a login writes; Argon2 logins would take
minutes).

Bodies are made before each phase (``lua/sync_bodies.lua`` sends them in order, taking
the next only on a 200), so the client's work in the measured seconds is wrk's. The floor
is ``floor_app.py``'s ``/contract`` with one connection (``sync_push.lua``, 100
``incident.report``), measured before and after our server on the same database kind;
ratios use their mean. Hello-world comes from the floor app as in ``floor.py``.
Our server runs under the benchmark's gunicorn flags on a fresh, migrated, seeded
database. Writes ``bench/results/mix-<timestamp>.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import floor
import kinto_bench
import loadgen
import ours
import servers
from httpc import Http

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
from mix_devices import Device, Mutation  # noqa: E402  (bench/: gunicorn and scripts run from here)

ROLES = ("guard", "cleaner", "lobby_manager", "teller")
#: Mutations per 200 of the mix, per device.
SHARES = {"guard": 140, "cleaner": 30, "lobby_manager": 20, "teller": 10}
ALONE = ("patrol.record", "incident.report", "cleaning.record", "shift.*", "box.*", "complaint.*")


class Phase:
    """The bodies of one phase: a client per device (fresh ``client_id``, ids from 1)."""

    def __init__(self, clients: dict[Any, ours.Client]) -> None:
        self.order = {key: i + 1 for i, key in enumerate(clients)}
        self.clients = clients
        self.lines: list[str] = []

    def add(self, role: Any, batch: list[Mutation], device: Device) -> None:
        c = self.clients[role]
        stamps, sent_at = device.stamps(len(batch))
        muts = [{"id": c.next_id + i, "name": name, "at": at, "args": args}
                for i, ((name, args), at) in enumerate(zip(batch, stamps))]
        c.next_id += len(batch)
        body = json.dumps({"client_id": c.client_id, "protocol": 1, "sent_at": sent_at, "mutations": muts},
                          ensure_ascii=False, separators=(",", ":"))
        self.lines.append(f"{self.order[role]} {body}")

    def config(self, path: Path, threads: int = 1) -> dict[str, Any]:
        """wrk's globals; with ``threads`` > 1, a file per thread (``<path>.<k>``) holding
        the lines of every ``threads``-th client, so each client pushes on one connection."""
        out = {"clients": [{"headers": self.clients[r].headers} for r in self.order], "bodies_file": str(path),
               "path": "/api/sync/push"}
        if threads == 1:
            path.write_text("\n".join(self.lines) + "\n")
            return out
        for k in range(1, threads + 1):
            mine = [ln for ln in self.lines if int(ln.split(" ", 1)[0]) % threads == k % threads]
            Path(f"{path}.{k}").write_text("\n".join(mine) + "\n")
        return {**out, "per_thread": True}


Key = tuple[int, str]  # (branch number, role): one device


def mix_bodies(devices: dict[Key, Device], clients: dict[Key, ours.Client], size: int, total: int) -> Phase:
    """``total`` mutations of the mix in batches of ``size``, interleaved by :data:`SHARES`,
    each role's batches going round the branches."""
    branches = sorted({b for b, _ in devices})
    phase, streams = Phase(clients), {k: d.stream() for k, d in devices.items()}
    sent, turns = dict.fromkeys(ROLES, 0), dict.fromkeys(ROLES, 0)
    while sum(sent.values()) < total:
        role = min(ROLES, key=lambda r: sent[r] / SHARES[r])
        key = (branches[turns[role] % len(branches)], role)
        phase.add(key, [next(streams[key]) for _ in range(size)], devices[key])
        sent[role] += size
        turns[role] += 1
    return phase


def alone_bodies(devices: dict[Key, Device], clients: dict[Key, ours.Client], what: str, total: int) -> Phase:
    role = {"patrol.record": "guard", "incident.report": "guard", "cleaning.record": "cleaner", "shift.*": "guard",
            "box.*": "lobby_manager", "complaint.*": "teller"}[what]
    keys = sorted(k for k in devices if k[1] == role)
    phase, streams = Phase({k: clients[k] for k in keys}), {k: devices[k].stream(what) for k in keys}
    for i in range(total // 100):
        key = keys[i % len(keys)]
        phase.add(key, [next(streams[key]) for _ in range(100)], devices[key])
    return phase


def one_kind(kind: str, seconds: int, branches: int, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    out: dict[str, Any] = {"floor": [], "hello": []}

    def floor_round(tag: str) -> None:
        db = servers.Database(kind, f"bench_mixfloor_{kind[:2]}", work).create()
        env = {"DATABASE_URL": db.url, "BENCH_SERVER_ROOT": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
        port = servers.pick_port(5487)
        url = f"http://{servers.HOST}:{port}"
        try:
            subprocess.run([sys.executable, "-c", "import floor_app"], cwd=BENCH_DIR, env={**os.environ, **env},
                           check=True, timeout=120)
            with servers.Server(f"mixfloor-{kind}-{tag}", gunicorn, "floor_app:app", port=port, cwd=BENCH_DIR,
                                env=env, log_dir=work):
                loadgen.run(f"warm_contract_{tag}", "sync_push", url, conns=1, duration=1,
                            config=floor.contract(1)(), work=work)
                hello = loadgen.run(f"hello_{kind}_{tag}", "get", url, conns=8, duration=seconds, work=work,
                                    config={"path": "/hello", "headers": {}, "item_pat": '"hello"'})
                res = loadgen.run(f"contract_{kind}_{tag}", "sync_push", url, conns=1, duration=seconds,
                                  config=floor.contract(1)(), work=work)
                if not res.clean():
                    raise RuntimeError(f"contract floor not clean: {res.first_bad}")
                out["floor"].append(res.items_per_s)
                out["hello"].append(hello.rps)
                log(f"  {kind}: floor ({tag}) {res.items_per_s:,.0f} mutations/s, hello {hello.rps:,.0f} req/s")
        finally:
            db.drop()

    floor_round("before")
    db = servers.Database(kind, f"bench_mix_{kind[:2]}", work).create()
    env = ours.server_env(ROOT, db)
    try:
        ours.migrate(ROOT, env, log)
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--seed-fleet", str(branches)], cwd=ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True, timeout=1200, check=True)
        fleet = json.loads(proc.stdout)
        log(f"  {kind}: seeded {len(fleet)} branches")
        port = servers.pick_port(5497)
        with servers.Server(f"mix-{kind}", gunicorn, "wsgi:app", port=port, cwd=ROOT, env=env, log_dir=work):
            out["ours"] = _ours(kind, seconds, work, port, fleet, log)
        out["branches"] = len(fleet)
    finally:
        db.drop()
    floor_round("after")
    if kind == "postgresql":  # Kinto has no SQLite backend
        kinto = kinto_bench.batches(work, uuid.uuid4().hex[:8], seconds, conns=8, batch=25)
        if not kinto.clean():
            raise RuntimeError(f"Kinto 8x25 not clean: {kinto.first_bad}")
        out["kinto_8x25"] = kinto.as_dict()
        log(f"  {kind}: Kinto, 8 clients in batches of 25: {kinto.items_per_s:,.0f} records/s")
    return out


def seed_fleet(count: int) -> list[dict[str, Any]]:
    """In the server's environment: ``count`` demo branches, and a device session of each
    one's guard, cleaner, lobby manager and teller (the rows a login writes)."""
    import secrets

    from server import create_app
    from server.extensions import db
    from server.models.org import DeviceSession
    from server.services import auth
    from server.services.demo import seed_demo

    app = create_app()
    fleet = []
    with app.app_context():
        now = datetime.now(timezone.utc)
        for n in range(count):
            seed = seed_demo(ours.PASSWORD, now, code=f"MIX{n:03d}")
            tokens = {}
            for role in ROLES:
                info = seed["accounts"][ours.account(seed, role)]
                token = secrets.token_urlsafe(32)
                db.session.add(DeviceSession(
                    staff_id=uuid.UUID(info["staff_id"]), branch_id=uuid.UUID(seed["branch_id"]),
                    token_hash=auth.hash_token(token), label=f"bench-mix-{role}", created_at=now, last_seen_at=now,
                    expires_at=now + timedelta(days=1), device_key_hash=auth.hash_token(secrets.token_urlsafe(32))))
                tokens[role] = token
            db.session.commit()
            fleet.append({"tokens": tokens, "checkpoint": seed["checkpoints"]["self_service"]})
    return fleet


def _ours(kind: str, seconds: int, work: Path, port: int, fleet: list[dict[str, Any]],
          log: Callable[[str], None]) -> dict[str, Any]:
    url = f"http://{servers.HOST}:{port}"
    http = Http(servers.HOST, port)
    tokens = {(b, r): f["tokens"][r] for b, f in enumerate(fleet) for r in ROLES}
    # The box is opened after close of business (R-BOX-1): yesterday's, which is accepted late.
    today = (datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).date() - timedelta(days=1)).isoformat()
    devices = {(b, r): Device(r, fleet[b]["checkpoint"], today) for b, r in tokens}
    for key in [k for k in tokens if k[1] in ("guard", "cleaner")]:  # on shift before the first phase
        at = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()  # its push's sent_at has whole seconds
        ours.Client(http, tokens[key]).push([{"id": 1, "name": n, "at": at, "args": a}
                                             for n, a in devices[key].shift_pair()])
    figures: dict[str, Any] = {}
    budget = 12_000 * seconds  # mutations made per phase: more than any phase pushes here

    def phase(name: str, make: Callable[[dict[Key, ours.Client]], Phase], measured: bool = True,
              conns: int = 1) -> None:
        clients = {k: ours.Client(http, t) for k, t in tokens.items()}
        running = {r: d.shift for r, d in devices.items()}  # making the bodies moves them on
        bodies = make(clients)
        res = loadgen.run(f"mix_{kind}_{name}", "sync_bodies", url, conns=conns, duration=seconds if measured else 3,
                          work=work, config=bodies.config(work / f"bodies_{kind}_{name}.txt", conns), timeout_s=60)
        _resync(http, devices, bodies, running)
        if measured and not res.clean():
            raise RuntimeError(f"{name} not clean: {res.first_bad}")
        figures[name] = res.as_dict()
        log(f"  {kind}: {name} {res.items_per_s:,.0f} mutations/s ({res.ok} pushes, p50 {res.lat_p50_ms:.1f} ms)")

    phase("warm", lambda c: mix_bodies(devices, c, 100, 2000), measured=False)  # imports, pools; may run out
    phase("mix_100", lambda c: mix_bodies(devices, c, 100, budget))
    phase("mix_5", lambda c: mix_bodies(devices, c, 5, budget // 4))
    # Phones after a short outage, eight at once (the comparison with Kinto's
    # eight clients sending batches of 25: ``kinto_bench.batches``).
    phase("mix_5_x8", lambda c: mix_bodies(devices, c, 5, budget // 4), conns=8)
    for what in ALONE:
        phase(what, lambda c, what=what: alone_bodies(devices, c, what, budget))
    http.close()
    del figures["warm"]
    return figures


def _resync(http: Http, devices: dict[Key, Device], bodies: Phase, running: dict[Key, str | None]) -> None:
    """Set each device's running shift to what the server applied: its client's
    ``last_mutation_id`` (a pull says it) names the last body that reached it, whatever
    wrk abandoned at the phase's end; its last shift start or end up to there decides."""
    for key, client in bodies.clients.items():
        devices[key].shift = shift = running[key]
        if key[1] not in ("guard", "cleaner") or client.next_id == 1:
            continue
        applied = client.pull(None, limit=1)["last_mutation_id"]
        for line in bodies.lines:
            body = json.loads(line.split(" ", 1)[1])
            if body["client_id"] != client.client_id:
                continue
            for m in body["mutations"]:  # a body of 5 may end a shift and leave the next start to the next
                if m["id"] <= applied and m["name"] in ("shift.start", "shift.end"):
                    shift = m["args"]["shift_id"] if m["name"] == "shift.start" else None
        devices[key].shift = shift


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--branches", type=int, default=40, help="branches of the fleet, four devices each")
    ap.add_argument("--seed-fleet", type=int, help=argparse.SUPPRESS)  # run inside the server's environment
    args = ap.parse_args()
    if args.seed_fleet:
        print(json.dumps(seed_fleet(args.seed_fleet)))
        return
    work = BENCH_DIR / ".work" / f"mix_{time.strftime('%Y%m%dT%H%M%S')}"
    work.mkdir(parents=True, exist_ok=True)
    loadgen.ensure_wrk()
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results = {}
    for kind in args.db or ["sqlite", "postgresql"]:
        results[kind] = one_kind(kind, args.seconds, args.branches, work, lambda s: print(s, flush=True))
    print(table(results))
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True)
    path = BENCH_DIR / "results" / f"mix-{started}.json"
    path.write_text(json.dumps({"command": " ".join([".venv/bin/python", "bench/mix.py", *sys.argv[1:]]),
                                "git": rev.stdout.strip(), "loadavg": os.getloadavg(),
                                "gunicorn": servers.GUNICORN_FLAGS, "results": results}, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


def table(results: dict[str, Any]) -> str:
    """Markdown: each phase in mutations/s, × the floor (mean of before/after), × hello."""
    rows = ["| phase | " + " | ".join(f"{k} mut/s | × floor | × hello" for k in results) + " |",
            "|---|" + "---:|---:|---:|" * len(results)]
    names = list(next(iter(results.values()))["ours"])
    for name in ["floor"] + names:
        cells = []
        for res in results.values():
            fl, he = statistics.mean(res["floor"]), statistics.mean(res["hello"])
            v = fl if name == "floor" else res["ours"][name]["items_per_s"]
            cells.append(f"{v:,.0f} | {v / fl:.2f}× | {v / he:.2f}×")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    for kind, res in results.items():
        if "kinto_8x25" in res:
            kinto = res["kinto_8x25"]["items_per_s"]
            rows.append(f"\n{kind}: Kinto, 8 clients in batches of 25: {kinto:,.0f} records/s; the mix in batches "
                        f"of 5 from 8 clients: {res['ours']['mix_5_x8']['items_per_s'] / kinto:.2f}× Kinto")
        mix = res["ours"]["mix_100"]["items_per_s"]
        slow = {n: mix / res["ours"][n]["items_per_s"] for n in ALONE}
        rows.append(f"\n{kind}: floor before/after {res['floor'][0]:,.0f} / {res['floor'][1]:,.0f}; "
                    "slowest alone against the mix of 100: "
                    + ", ".join(f"{n} {v:.2f}×" for n, v in sorted(slow.items(), key=lambda kv: -kv[1])))
    return "\n".join(rows)


if __name__ == "__main__":
    main()
