"""Our server through the workload: push, full pull, incremental pull, empty polls, and
the same pulls again with a large history of other branches' changes in the feed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import loadgen
import servers
from httpc import Http

BENCH_DIR = Path(__file__).resolve().parent
PASSWORD = "bench-Password-1"
SECRET = "bench-secret-not-for-production-0123456789abcdef"


@dataclass(frozen=True)
class Mutator:
    """A mutation the benchmark pushes: its name, args (``%ID%`` = a fresh record UUID),
    the role that may push it, and the WSGI app that serves it."""

    name: str
    args_tpl: str
    role: str
    app: str  # gunicorn app spec
    note: str
    entity: str  # the pull entity of the records it makes
    audience: str  # audience key suffix of those records ("<branch_id>/<suffix>")


MUTATORS: dict[str, Mutator] = {
    # The sync engine's test domain: a one-row upsert, any role (see notes_app.py).
    "note.put": Mutator("note.put", '{"note_id":"%ID%","text":"bench note","tags":["public"]}',
                        "guard", "notes_app:app",
                        "note.put of the engine's test domain (tests/sync/sync_testing.py)", "note", "note/public"),
    # Real field-ops mutators, for when they are on main.
    "incident.report": Mutator(
        "incident.report",
        '{"incident_id":"%ID%","category":"other","location":"bench","description":"bench incident","severity":"low"}',
        "guard", "wsgi:app", "incident.report (field ops, severity low)", "incident", "incident"),
}


def flask(root: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "flask", *args], cwd=root, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


class Client:
    """One device: a client_id and a token (set-up calls only; wrk does the measuring)."""

    def __init__(self, http: Http, token: str) -> None:
        self.http, self.token = http, token
        self.client_id = str(uuid.uuid4())
        self.next_id = 1
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def push(self, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        _, _, out = self.http.call("POST", "/api/sync/push", {
            "client_id": self.client_id, "protocol": 1, "sent_at": now, "mutations": mutations},
            headers=self.headers, expect=(200,))
        bad = [r for r in out["results"] if r.get("status") != "applied"]
        if bad:
            raise RuntimeError(f"push rejected: {bad[0]}")
        return out

    def push_records(self, mutator: Mutator, n: int, tag: str, batch: int = 500) -> None:
        for start in range(0, n, batch):
            now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
            muts = []
            for _ in range(min(batch, n - start)):
                args = json.loads(mutator.args_tpl.replace("%ID%", str(uuid.uuid4())))
                muts.append({"id": self.next_id, "name": mutator.name, "at": now, "args": args})
                self.next_id += 1
            self.push(muts)

    def pull(self, cursor: str | None, limit: int = 500) -> dict[str, Any]:
        _, _, out = self.http.call("POST", "/api/sync/pull", {
            "client_id": self.client_id, "protocol": 1, "cursor": cursor, "limit": limit},
            headers=self.headers, expect=(200,))
        return out

    def pull_all(self, cursor: str | None = None, limit: int = 500) -> tuple[int, str]:
        """Pull until has_more is false; returns (changes, final cursor)."""
        n = 0
        while True:
            page = self.pull(cursor, limit)
            n += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return n, cursor


def login(http: Http, employee_no: str, label: str) -> str:
    for attempt in range(5):
        status, _, out = http.call("POST", "/api/auth/login", {"employee_no": employee_no, "password": PASSWORD,
                                                               "device_label": label}, expect=())
        if status == 200:
            return out["token"]
        # A 500 right after a load phase (pushes abandoned by wrk still finishing) is
        # retried once things settle; it is reported, as it is a server finding.
        print(f"    login answered {status}: {str(out)[:200]}; retrying", flush=True)
        time.sleep(1 + attempt)
    raise RuntimeError(f"login of {employee_no} kept failing")


def account(seed: dict[str, Any], role: str) -> str:
    for emp, info in seed["accounts"].items():
        if info["role"] == role:
            return emp
    raise RuntimeError(f"seed-demo made no {role}")


def server_env(root: Path, db: servers.Database) -> dict[str, str]:
    """The environment our server runs in (the benchmark's fixed secret, log level WARNING)."""
    return {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "FIELDOPS_LOG_LEVEL": "WARNING",
            "FLASK_APP": "wsgi.py", "BENCH_SERVER_ROOT": str(root),
            "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(root)]), "PYTHONDONTWRITEBYTECODE": "1"}


def migrate(root: Path, env: dict[str, str], log: Any) -> list[str]:
    """``flask db upgrade``, then the tables the migrations lack made (and named: a bug report)."""
    flask(root, env, "db", "upgrade")
    proc = subprocess.run([sys.executable, str(BENCH_DIR / "schema_gap.py")], cwd=root, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"schema check failed:\n{proc.stderr}")
    missing = json.loads(proc.stdout.strip().splitlines()[-1])
    if missing:
        log(f"  WARNING: the migrations lack {len(missing)} tables of the models; made with create_all: "
            f"{', '.join(missing)}")
    return missing


def run(kind: str, cfg: Any, work: Path, run_prefix: str, log: Any) -> dict[str, Any]:
    """The whole workload on a fresh database of ``kind``; returns figures and facts."""
    mutator = MUTATORS[cfg.mutator]
    root = Path(cfg.server_root).resolve()
    db = servers.Database(kind, f"bench_ours_{kind[:2]}_{run_prefix}", work).create()
    env = server_env(root, db)
    try:
        missing = migrate(root, env, log)
        push_seed = json.loads(flask(root, env, "seed-demo", "--password", PASSWORD, "--json"))
        pull_seed = json.loads(flask(root, env, "seed-demo", "--password", PASSWORD, "--json", "--branch", "PULL01"))
        if mutator.app != "wsgi:app":
            # Make the extra tables once, before two workers race to (SQLite DDL would
            # fail with "database is locked").
            module = mutator.app.split(":")[0]
            subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root, env={**os.environ, **env},
                           check=True, capture_output=True, timeout=120)
        port = servers.pick_port(cfg.ours_port)
        server = servers.Server(f"ours-{kind}", str(Path(sys.executable).with_name("gunicorn")), mutator.app,
                                port=port, cwd=root, env=env, log_dir=work)
        with server:
            out = _workload(kind, cfg, work, run_prefix, port, mutator, push_seed, pull_seed, db, log)
            out["tables_missing_from_migrations"] = missing
            return out
    finally:
        if cfg.keep_db:
            log(f"  kept database {db.url}")
        else:
            db.drop()


def _workload(kind: str, cfg: Any, work: Path, run_prefix: str, port: int, mutator: Mutator,
              push_seed: dict[str, Any], pull_seed: dict[str, Any], db: servers.Database, log: Any) -> dict[str, Any]:
    url = f"http://{servers.HOST}:{port}"
    http = Http(servers.HOST, port)
    out: dict[str, Any] = {}
    pusher = account(push_seed, mutator.role)
    puller = account(pull_seed, mutator.role)

    def push_phase(name: str, conns: int, seconds: float) -> loadgen.WrkResult:
        clients = [Client(http, login(http, pusher, f"bench-{name}-{i}")) for i in range(conns)]
        return loadgen.run(name, "sync_push", url, conns=conns, duration=seconds, work=work, config={
            "clients": [{"client_id": c.client_id, "headers": c.headers, "start_id": 1} for c in clients],
            "batch": 100, "path": "/api/sync/push", "mut_name": mutator.name, "args_tpl": mutator.args_tpl,
            "run_prefix": uuid.uuid4().hex[:8],
        })

    # Warm both workers (imports, pools) with a few pushes and pulls, not measured.
    warm = Client(http, login(http, pusher, "bench-warm"))
    t0 = time.monotonic()
    for _ in range(4):
        warm.push_records(mutator, 100, "warm", batch=100)
        warm.pull_all(None)
    per_push = (time.monotonic() - t0) / 4
    seconds = [loadgen.enough_seconds(cfg.push_seconds, per_push, n, cfg.push_max_seconds) for n in (1, 8)]
    log(f"  {kind}: push, 1 client ({seconds[0]:.0f} s)")
    out["push_1"] = push_phase(f"ours_{kind}_push_1", 1, seconds[0])
    log(f"  {kind}: push, 8 clients ({seconds[1]:.0f} s)")
    out["push_8"] = push_phase(f"ours_{kind}_push_8", 8, seconds[1])
    # Pushes wrk abandoned at the end are still queued in the server: let them finish.
    time.sleep(min(20.0, out["push_8"].lat_p99_ms / 1000))

    # The pull scope: one branch holding cfg.pull_changes records (plus its org rows).
    log(f"  {kind}: seeding {cfg.pull_changes} changes for the pull branch")
    seeder = Client(http, login(http, puller, "bench-seeder"))
    seed_parallel(port, puller, mutator, cfg.pull_changes, 4 if kind == "postgresql" else 1)
    reader = Client(http, login(http, puller, "bench-reader"))
    scope_changes, head = reader.pull_all(None)
    out["pull_scope_changes"] = scope_changes

    def full_pull(name: str) -> loadgen.WrkResult:
        return loadgen.run(name, "sync_pull", url, conns=1, duration=cfg.pull_seconds, work=work, config={
            "clients": [{"client_id": reader.client_id, "headers": reader.headers}],
            "limit": 500, "path": "/api/sync/pull"})

    def fixed_pull(name: str, clients: list[Client], cursor: str, seconds: float) -> loadgen.WrkResult:
        run = loadgen.run_median if len(clients) > 1 else loadgen.run
        return run(name, "post_fixed", url, conns=len(clients), duration=seconds, work=work,
                   config=fixed_pull_config(clients, cursor))

    def add_100(tag: str, cursor: str) -> str:
        """Push 100 more records into the pulled branch and check a pull from ``cursor``
        returns exactly them; returns the cursor after them."""
        seeder.push_records(mutator, 100, tag, batch=100)
        n_incr, after = reader.pull_all(cursor)
        if n_incr != 100:
            raise RuntimeError(f"incremental pull returned {n_incr} changes, expected 100")
        return after

    log(f"  {kind}: full pull of {scope_changes} changes")
    out["pull_full"] = full_pull(f"ours_{kind}_pull_full")

    head2 = add_100("incr", head)
    log(f"  {kind}: incremental pull of 100")
    out["pull_incr_100"] = fixed_pull(f"ours_{kind}_pull_incr", [reader], head, cfg.latency_seconds)

    pollers = [Client(http, login(http, puller, f"bench-poll-{i}")) for i in range(8)]
    for p in pollers:
        if p.pull(head2)["changes"]:
            raise RuntimeError("an empty poll returned changes")
    log(f"  {kind}: empty polls, 8 clients")
    out["empty_polls_8"] = fixed_pull(f"ours_{kind}_empty_polls", pollers, head2, cfg.poll_seconds)

    # History: rows of other branches, interleaved with ours, written straight to the feed.
    t0 = time.monotonic()
    stored_before, stored_after = seed_history(db, cfg.history_rows, mutator)
    out["history"] = {"rows_added": cfg.history_rows, "feed_rows_before": stored_before,
                      "feed_rows_after": stored_after, "seed_seconds": round(time.monotonic() - t0, 1)}
    n_again, head3 = reader.pull_all(None)
    if n_again != scope_changes + 100:
        raise RuntimeError(f"after the history seed a full pull gave {n_again} changes, not {scope_changes + 100}")
    out["pull_scope_changes_big"] = n_again
    log(f"  {kind}: full pull of {n_again} changes with {stored_after} rows stored")
    out["pull_full_big"] = full_pull(f"ours_{kind}_pull_full_big")
    # The 100 newest of the branch, now behind the history rows in seq order too.
    add_100("incr2", head3)
    out["pull_incr_100_big"] = fixed_pull(f"ours_{kind}_pull_incr_big", [reader], head3, cfg.latency_seconds)
    http.close()
    return out


def fixed_pull_config(clients: list[Client], cursor: str) -> dict[str, Any]:
    """``post_fixed.lua``'s globals: each client pulls from ``cursor`` again and again."""
    return {"clients": [{"headers": c.headers, "body": json.dumps({
                "client_id": c.client_id, "protocol": 1, "cursor": cursor, "limit": 500})} for c in clients],
            "path": "/api/sync/pull", "item_pat": '"op"%s*:%s*"'}


def seed_parallel(port: int, employee_no: str, mutator: Mutator, n: int, clients: int) -> None:
    """Push ``n`` mutations through the API from ``clients`` devices at once (set-up)."""
    import threading

    errors: list[BaseException] = []

    def one(k: int, count: int) -> None:
        http = Http(servers.HOST, port)
        try:
            Client(http, login(http, employee_no, f"bench-seed-{k}")).push_records(mutator, count, "pull")
        except BaseException as exc:  # noqa: BLE001 - raised below
            errors.append(exc)
        finally:
            http.close()

    share = [n // clients + (1 if k < n % clients else 0) for k in range(clients)]
    threads = [threading.Thread(target=one, args=(k, share[k])) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def seed_history(db: servers.Database, rows: int, mutator: Mutator) -> tuple[int, int]:
    """Add ``rows`` change-feed rows (``mutator``'s entity, the data of one real row) of
    50 other branches, interleaved with the existing
    rows in seq order (existing seqs are spread out by a factor S; history takes the
    seqs in between), then set the counter past them and, on PostgreSQL, VACUUM ANALYZE
    the feed (what autovacuum does after a bulk load; the two UPDATEs that spread the
    existing seqs leave two dead versions of each of our rows, which index scans would
    otherwise step over until autovacuum came by). SQLite is left without statistics, as the server
    leaves it: nothing runs ANALYZE there, and the page statement is pinned with
    ``INDEXED BY``. Returns feed row counts before and after. The server is idle meanwhile."""
    if db.kind == "postgresql":
        import psycopg

        conn = psycopg.connect(db.url, autocommit=False)
        series = f"generate_series(0, {rows - 1}) AS c(g)"
        with_clause = ""
        hexid = "lpad(to_hex(g), 12, '0')"
        concat = lambda *p: " || ".join(p)  # noqa: E731
    else:
        import sqlite3

        conn = sqlite3.connect(db.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        series = "c"
        with_clause = f"WITH RECURSIVE c(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM c WHERE g < {rows - 1}) "
        hexid = "printf('%012x', g)"
        concat = lambda *p: " || ".join(p)  # noqa: E731
    try:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM sync_change")
        (before,) = cur.fetchone()
        spread = rows // max(before, 1) + 2  # S: existing row k moves to seq k*S
        cur.execute("UPDATE sync_change SET seq = -seq")
        cur.execute(f"UPDATE sync_change SET seq = (-seq) * {spread}")
        branch = "'b0000000-0000-4000-8000-' || " + (
            "lpad((g % 50)::text, 12, '0')" if db.kind == "postgresql" else "printf('%012d', g % 50)")
        record = concat("'c0000000-0000-4000-8000-'", hexid)
        data = f"(SELECT max(data) FROM sync_change WHERE entity = '{mutator.entity}')"
        seq = f"(g / {spread - 1}) * {spread} + (g % {spread - 1}) + 1"
        cur.execute(
            f"{with_clause}INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at) "
            f"SELECT {seq}, '{mutator.entity}', {record}, {concat(branch, chr(39) + '/' + mutator.audience + chr(39))}, "
            f"'put', {data}, "
            f"(SELECT min(changed_at) FROM sync_change) FROM {series}")
        cur.execute("SELECT count(*), max(seq) FROM sync_change")
        after, top = cur.fetchone()
        cur.execute(f"UPDATE sync_counter SET seq = {int(top)} WHERE id = 1")
        if db.kind == "postgresql":
            conn.commit()
            conn.autocommit = True  # VACUUM runs outside a transaction
            cur.execute("VACUUM ANALYZE sync_change")
        else:
            conn.execute("COMMIT")
        return int(before), int(after)
    finally:
        conn.close()
