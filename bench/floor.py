"""What this machine and this stack allow at all: the floors of ``floor_app.py`` (the least
any implementation of the contract does per request) against hello-world, under the same
gunicorn flags, alternating, ``--rounds`` times per database kind.

    .venv/bin/python bench/floor.py --db sqlite --db postgresql --rounds 3

Prints, per kind, the median ratio to hello-world (8 connections) of:

- ``select1`` (8 connections): one database round trip per request, the floor of an
  empty poll that reads what has committed (target 0.5x);
- ``validate`` (1 connection, batches of 100): marshmallow on every mutation and nothing
  stored, in mutations/s (target for push: 2x);
- ``validate-store`` (1 and 8 connections): the same plus one ``executemany`` of the
  batch and a commit;
- ``contract`` (1 and 8 connections): the three rows the contract asks of each mutation
  (log, record, feed), raw, in one transaction: the floor of a push that keeps it.
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
from pathlib import Path
from typing import Callable

import loadgen
import ours
import servers

BENCH_DIR = Path(__file__).resolve().parent


def push_body(size: int = 100) -> str:
    mutator = ours.MUTATORS["incident.report"]
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    mutations = [{"id": i + 1, "name": mutator.name, "at": now,
                  "args": json.loads(mutator.args_tpl.replace("%ID%", str(uuid.uuid4())))} for i in range(size)]
    return json.dumps({"client_id": str(uuid.uuid4()), "protocol": 1, "sent_at": now, "mutations": mutations})


def contract(conns: int) -> Callable[[], dict]:
    """``sync_push.lua``'s globals for the ``contract`` floor, new for every run: the
    contract's rows have keys, so each run's clients and records are new (ids rising
    from 1 per client). ``bench/mix.py`` measures the same floor this way."""
    mutator = ours.MUTATORS["incident.report"]
    headers = {"Content-Type": "application/json"}
    return lambda: {"clients": [{"client_id": str(uuid.uuid4()), "headers": headers} for _ in range(conns)],
                    "batch": 100, "path": "/contract", "mut_name": mutator.name, "args_tpl": mutator.args_tpl,
                    "run_prefix": uuid.uuid4().hex[:8]}


def fresh(cfg: dict | Callable[[], dict]) -> dict:
    return cfg() if callable(cfg) else cfg


def one_kind(kind: str, rounds: int, seconds: int, work: Path) -> dict[str, list[float]]:
    db = servers.Database(kind, f"bench_floor_{kind[:2]}", work).create()
    env = {"DATABASE_URL": db.url, "BENCH_SERVER_ROOT": str(BENCH_DIR.parent), "PYTHONDONTWRITEBYTECODE": "1"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    port = servers.pick_port(5477)
    url = f"http://{servers.HOST}:{port}"
    headers = {"Content-Type": "application/json"}
    hello = {"path": "/hello", "headers": {}, "item_pat": '"hello"'}

    def fixed(path: str, body: str, conns: int, item: str) -> dict:
        return {"clients": [{"headers": headers, "body": body}] * conns, "path": path, "item_pat": item}

    body = push_body()

    phases = {
        "select1_8": ("post_fixed", 8, fixed("/select1", "{}", 8, '"changes"'), "rps"),
        "validate_1": ("post_fixed", 1, fixed("/validate", body, 1, '"status"'), "items_per_s"),
        "store_1": ("post_fixed", 1, fixed("/validate-store", body, 1, '"status"'), "items_per_s"),
        "store_8": ("post_fixed", 8, fixed("/validate-store", body, 8, '"status"'), "items_per_s"),
        "contract_1": ("sync_push", 1, contract(1), "items_per_s"),
        "contract_8": ("sync_push", 8, contract(8), "items_per_s"),
    }
    out: dict[str, list[float]] = {name: [] for name in phases}
    try:
        subprocess.run([sys.executable, "-c", "import floor_app"], cwd=BENCH_DIR, env={**os.environ, **env},
                       check=True, timeout=120)  # the tables, once, before two workers race to make them
        with servers.Server(f"floor-{kind}", gunicorn, "floor_app:app", port=port, cwd=BENCH_DIR, env=env,
                            log_dir=work):
            loadgen.run("warm_hello", "get", url, conns=8, duration=1, config=hello, work=work)
            for name, (script, conns, cfg, _) in phases.items():
                loadgen.run(f"warm_{name}", script, url, conns=conns, duration=1, config=fresh(cfg), work=work)
            for r in range(rounds):
                base = loadgen.run(f"hello_{r}", "get", url, conns=8, duration=seconds, config=hello, work=work)
                for name, (script, conns, cfg, figure) in phases.items():
                    res = loadgen.run(f"{name}_{r}", script, url, conns=conns, duration=seconds,
                                      config=fresh(cfg), work=work)
                    if not res.clean():
                        raise RuntimeError(f"{name} not clean: {res.first_bad}")
                    out[name].append(getattr(res, figure) / base.rps)
                    print(f"  {kind} round {r}: {name} {getattr(res, figure):,.0f}/s against hello "
                          f"{base.rps:,.0f}/s = {out[name][-1]:.3f}x", flush=True)
    finally:
        db.drop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()
    work = BENCH_DIR / ".work" / f"floor_{time.strftime('%Y%m%dT%H%M%S')}"
    work.mkdir(parents=True, exist_ok=True)
    loadgen.ensure_wrk()
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    rounds, summary = {}, {}
    for kind in args.db or ["sqlite", "postgresql"]:
        rounds[kind] = one_kind(kind, args.rounds, args.seconds, work)
        summary[kind] = {k: statistics.median(v) for k, v in rounds[kind].items()}
    print("median ratio to hello-world (8 connections), same server process:")
    for kind, figures in summary.items():
        print(f"  {kind}: " + ", ".join(f"{k} {v:.3f}x" for k, v in figures.items()))
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True)
    out = BENCH_DIR / "results" / f"floor-{started}.json"
    out.write_text(json.dumps({"command": " ".join([".venv/bin/python", "bench/floor.py", *sys.argv[1:]]),
                               "git": rev.stdout.strip(), "loadavg": os.getloadavg(), "gunicorn": servers.GUNICORN_FLAGS,
                               "ratios": rounds, "median": summary}, indent=1) + "\n")
    print(f"wrote {out.relative_to(BENCH_DIR.parent)}")


if __name__ == "__main__":
    main()
