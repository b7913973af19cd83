"""Kinto through the same workload, in its own virtual environment (bench/.work/).

Kinto has no SQLite backend, so it runs on PostgreSQL only (storage and permissions in
PostgreSQL, the cache in memory), under the same gunicorn flags as everything else,
with basic auth (the cheapest of its policies) and ``batch_max_requests = 100``.

Workload mapping: push = POST /v1/batch creating 100 records; full pull = GET records
``_limit=500`` following ``Next-Page``; incremental pull = ``_since=<timestamp>`` with
100 newer records; empty poll = ``_since=<latest timestamp>``.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import loadgen
import servers
from httpc import Http, basic

KINTO_VERSION = "26.5.0"
GUNICORN_VERSION = "27.0.1"
BENCH_DIR = Path(__file__).resolve().parent
RECORD_TPL = '{"category":"other","location":"bench","description":"bench record","severity":"low","ref":"%ID%"}'


def ensure_venv(work: Path) -> Path:
    """bench/.work/kinto-venv with kinto[postgresql]; made once, reused afterwards."""
    venv = BENCH_DIR / ".work" / "kinto-venv"
    marker = venv / f".installed-{KINTO_VERSION}"
    if marker.exists():
        return venv
    print(f"making Kinto's virtual environment in {venv} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with open(work / "kinto-pip.log", "wb") as log:
        proc = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"kinto[postgresql]=={KINTO_VERSION}",
                               f"gunicorn=={GUNICORN_VERSION}"], stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"pip install kinto failed: see {work / 'kinto-pip.log'}")
    marker.write_text("ok\n")
    return venv


def write_ini(path: Path, db_url: str) -> None:
    path.write_text(f"""[app:main]
use = egg:kinto
kinto.storage_backend = kinto.core.storage.postgresql
kinto.storage_url = {db_url}
kinto.permission_backend = kinto.core.permission.postgresql
kinto.permission_url = {db_url}
kinto.cache_backend = kinto.core.cache.memory
kinto.userid_hmac_secret = bench-not-a-secret
multiauth.policies = basicauth
kinto.bucket_create_principals = system.Authenticated
kinto.batch_max_requests = 100
kinto.storage_pool_size = 10

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = plain

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = plain

[formatter_plain]
format = %%(asctime)s %%(levelname)s %%(name)s %%(message)s
""")


def _seed(port: int, auth: str, coll: str, n: int, prefix: str, conns: int = 1) -> None:
    """Create ``n`` records in ``coll`` through /v1/batch (set-up, not measured).

    One connection: Kinto answers concurrent writes to one collection with 409
    "Integrity constraint violated, please retry"."""
    batches = [(i, min(100, n - i)) for i in range(0, n, 100)]
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        http = Http(servers.HOST, port)
        try:
            for start, size in batches[k::conns]:
                reqs = [{"body": {"data": {"category": "other", "location": "seed", "description": "seed",
                                           "severity": "low", "ref": f"{prefix}-{start + j}"}}} for j in range(size)]
                _, _, out = http.call("POST", "/v1/batch", {
                    "defaults": {"method": "POST", "path": f"/buckets/bench/collections/{coll}/records"},
                    "requests": reqs}, headers={"Authorization": auth})
                bad = [r for r in out["responses"] if r["status"] != 201]
                if bad:
                    raise RuntimeError(f"kinto seed: {bad[0]}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            http.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _seed_sql(db_url: str, coll: str, n: int, prefix: str) -> None:
    """Create ``n`` records in ``coll`` straight in Kinto's ``objects`` table (set-up:
    through the API, 10,000 records take minutes). Kinto's own trigger gives each row
    its ``last_modified``, as for records made through the API."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO objects (id, parent_id, resource_name, data, last_modified, deleted) "
            "SELECT gen_random_uuid()::text, %s, 'record', "
            "jsonb_build_object('category', 'other', 'location', 'seed', 'description', 'seed record', "
            "'severity', 'low', 'ref', %s || g), NULL, FALSE FROM generate_series(1, %s) AS g",
            (f"/buckets/bench/collections/{coll}", f"{prefix}-", n))
        conn.execute("ANALYZE objects")


def _count(http: Http, auth: str, coll: str) -> int:
    n, path = 0, f"/v1/buckets/bench/collections/{coll}/records?_limit=500"
    while path:
        _, headers, body = http.call("GET", path, headers={"Authorization": auth})
        n += len(body["data"])
        nxt = headers.get("next-page")
        path = nxt.split("://", 1)[1].split("/", 1)[1] if nxt else None
        path = "/" + path if path else None
    return n


def _timestamp(http: Http, auth: str, coll: str) -> str:
    _, headers, _ = http.call("GET", f"/v1/buckets/bench/collections/{coll}/records?_limit=1",
                              headers={"Authorization": auth})
    return headers["etag"].strip('"')


@contextmanager
def serving(work: Path, run_prefix: str, port: int) -> Iterator[tuple[int, str]]:
    """Kinto on a fresh, migrated PostgreSQL database, under the benchmark's gunicorn flags;
    yields its port and the database URL, and drops the database afterwards."""
    venv = ensure_venv(work)
    db = servers.Database("postgresql", f"bench_kinto_{run_prefix}", work).create()
    try:
        ini = work / "kinto.ini"
        write_ini(ini, db.url)
        subprocess.run([str(venv / "bin" / "kinto"), "migrate", "--ini", str(ini)], check=True,
                       capture_output=True)
        port = servers.pick_port(port)
        server = servers.Server("kinto", str(venv / "bin" / "gunicorn"), "kinto_wsgi:app", port=port,
                                cwd=BENCH_DIR, env={"KINTO_INI": str(ini)}, log_dir=work, health_path="/v1/")
        with server:
            yield port, db.url
    finally:
        db.drop()


def run(cfg: Any, work: Path, run_prefix: str) -> dict[str, Any]:
    """Run Kinto's workload on a fresh PostgreSQL database; returns the figures."""
    with serving(work, run_prefix, cfg.kinto_port) as (port, db_url):
        return _workload(cfg, work, run_prefix, port, db_url)


def batches(work: Path, run_prefix: str, seconds: float, *, conns: int, batch: int) -> loadgen.WrkResult:
    """``conns`` clients, each its own Kinto user and collection (a phone syncing its own
    records; concurrent writers of one collection get 409 "please retry"), creating records
    in batches of ``batch`` through ``/v1/batch``, for ``seconds`` or long enough for a few
    batches each (#17: the mix in batches of 5 from 8 clients against Kinto's 8 clients in
    batches of 25)."""
    with serving(work, run_prefix, 5079) as (port, _url):
        users = [basic(f"device{i}", "pw") for i in range(conns)]
        http = Http(servers.HOST, port)
        http.call("PUT", "/v1/buckets/bench", {"permissions": {"write": ["system.Authenticated"]}},
                  headers={"Authorization": users[0]})
        for i in range(conns):
            http.call("PUT", f"/v1/buckets/bench/collections/device{i}", {}, headers={"Authorization": users[0]})
        http.close()
        t0 = time.monotonic()
        _seed(port, users[0], "device0", batch, "warm")
        seconds = loadgen.enough_seconds(seconds, time.monotonic() - t0, conns, 60)  # as run()'s push phases
        return loadgen.run(f"kinto_{conns}x{batch}", "kinto_batch", f"http://{servers.HOST}:{port}", conns=conns,
                           duration=seconds, work=work, config={
                               "clients": [{"headers": {"Authorization": u, "Content-Type": "application/json"},
                                            "records_path": f"/buckets/bench/collections/device{i}/records"}
                                           for i, u in enumerate(users)],
                               "batch": batch, "run_prefix": run_prefix[:8].ljust(8, "0"), "record_tpl": RECORD_TPL,
                               "records_path": "/buckets/bench/collections/device0/records"})


def _workload(cfg: Any, work: Path, run_prefix: str, port: int, db_url: str) -> dict[str, Any]:
    url = f"http://{servers.HOST}:{port}"
    users = [basic(f"device{i}", "pw") for i in range(8)]
    admin = users[0]
    http = Http(servers.HOST, port)
    http.call("PUT", "/v1/buckets/bench", {"permissions": {"write": ["system.Authenticated"]}},
              headers={"Authorization": admin})
    for coll in ("push1", "push8", "pull"):
        http.call("PUT", f"/v1/buckets/bench/collections/{coll}", {}, headers={"Authorization": admin})
    out: dict[str, Any] = {}

    # Warm up and time one batch, to size the push phases (see loadgen.enough_seconds).
    t0 = time.monotonic()
    _seed(port, admin, "push1", 100, "warm")
    per_push = time.monotonic() - t0

    def push(name: str, coll: str, conns: int) -> loadgen.WrkResult:
        seconds = loadgen.enough_seconds(cfg.push_seconds, per_push, conns, cfg.push_max_seconds)
        return loadgen.run(name, "kinto_batch", url, conns=conns, duration=seconds, work=work, config={
            "clients": [{"headers": {"Authorization": users[i], "Content-Type": "application/json"}}
                        for i in range(conns)],
            "batch": 100, "run_prefix": run_prefix[:8].ljust(8, "0"), "record_tpl": RECORD_TPL,
            "records_path": f"/buckets/bench/collections/{coll}/records",
        })

    out["push_1"] = push("kinto_push_1", "push1", 1)
    out["push_8"] = push("kinto_push_8", "push8", 8)

    _seed_sql(db_url, "pull", cfg.pull_changes, "pull")
    n = _count(http, admin, "pull")
    if n != cfg.pull_changes:
        raise RuntimeError(f"Kinto holds {n} records after the seed, not {cfg.pull_changes}")
    pull_clients = [{"headers": {"Authorization": admin}}]
    out["pull_full"] = loadgen.run("kinto_pull_full", "kinto_pull", url, conns=1, duration=cfg.pull_seconds,
                                   work=work, config={"clients": pull_clients,
                                                      "first_path": "/v1/buckets/bench/collections/pull/records?_limit=500"})
    out["pull_full"].stored = cfg.pull_changes

    since = _timestamp(http, admin, "pull")
    _seed(port, admin, "pull", 100, "incr")
    out["pull_incr_100"] = loadgen.run(
        "kinto_pull_incr", "get", url, conns=1, duration=cfg.latency_seconds, work=work,
        config={"path": f"/v1/buckets/bench/collections/pull/records?_since={since}", "headers": {"Authorization": admin},
                "item_pat": '"last_modified"%s*:'})
    latest = _timestamp(http, admin, "pull")
    out["empty_polls_8"] = loadgen.run_median(
        "kinto_empty_polls", "get", url, conns=8, duration=cfg.poll_seconds, work=work,
        config={"clients": [{"path": f"/v1/buckets/bench/collections/pull/records?_since={latest}",
                             "headers": {"Authorization": users[i]}} for i in range(8)],
                "item_pat": '"last_modified"%s*:'})
    http.close()
    return out
