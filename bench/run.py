#!/usr/bin/env python
"""Branch Field Ops sync benchmark (issue #3, "Speed").

    .venv/bin/python bench/run.py --db sqlite --db postgresql [--quick] [--no-kinto]

Drives the real server under gunicorn over loopback HTTP with wrk, beside a Flask
hello-world and Kinto under the same gunicorn flags; prints a table and writes
bench/results/<timestamp>.json. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import kinto_bench  # noqa: E402
import loadgen  # noqa: E402
import ours  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402


@dataclass
class Config:
    hello_seconds: float = 4
    push_seconds: float = 10
    push_max_seconds: float = 30
    pull_seconds: float = 10
    latency_seconds: float = 5
    poll_seconds: float = 5
    pull_changes: int = 10_000
    history_rows: int = 1_000_000
    mutator: str = "auto"
    keep_db: bool = False
    server_root: str = str(BENCH_DIR.parent)
    hello_port: int = 5077
    ours_port: int = 5078
    kinto_port: int = 5079


QUICK = dict(hello_seconds=3, push_seconds=3, push_max_seconds=15, pull_seconds=3, latency_seconds=2, poll_seconds=2,
             pull_changes=2_000, history_rows=100_000)


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def pick_mutator(root: Path) -> str:
    """A real field-ops mutator if the server registers one, else the engine's test note."""
    handlers = root / "server" / "sync_handlers"
    text = "".join(p.read_text() for p in handlers.glob("*.py")) if handlers.is_dir() else ""
    for name in ("incident.report",):
        if f'"{name}"' in text:
            return name
    return "note.put"


def measure_hello(cfg: Config, work: Path, tag: str) -> dict[str, Any]:
    port = servers.pick_port(cfg.hello_port)
    url = f"http://{servers.HOST}:{port}"
    conf = {"path": "/hello", "headers": {}, "item_pat": '"hello"'}
    with servers.Server("hello", str(Path(sys.executable).with_name("gunicorn")), "hello:app", port=port,
                        cwd=BENCH_DIR, env={"PYTHONDONTWRITEBYTECODE": "1"}, log_dir=work):
        loadgen.run(f"hello_warm_{tag}", "get", url, conns=8, duration=1, config=conf, work=work)
        eight = loadgen.run_median(f"hello_8_{tag}", "get", url, conns=8, duration=cfg.hello_seconds, config=conf,
                                   work=work)
        one = loadgen.run(f"hello_1_{tag}", "get", url, conns=1, duration=cfg.hello_seconds, config=conf, work=work)
    return {"eight": as_dict(eight), "one": as_dict(one)}


def bracket(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Hello-world measured before and after a section: ratios use the mean of the two,
    so a machine whose load drifts during the section is not read against one extreme."""
    out: dict[str, Any] = {"before": before, "after": after}
    for conns in ("eight", "one"):
        b, a = before[conns], after[conns]
        out[conns] = {"rps": (b["rps"] + a["rps"]) / 2, "lat_p50_ms": (b["lat_p50_ms"] + a["lat_p50_ms"]) / 2,
                      "spread": abs(b["rps"] - a["rps"]) / max(b["rps"], a["rps"], 1)}
    return out


def as_dict(v: Any) -> Any:
    if isinstance(v, loadgen.WrkResult):
        d = v.as_dict()
        d["clean"] = v.clean()
        return d
    if isinstance(v, dict):
        return {k: as_dict(x) for k, x in v.items()}
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append", choices=["sqlite", "postgresql"],
                    help="database kind (repeat for both; default both)")
    ap.add_argument("--quick", action="store_true", help="short phases and small sizes (a smoke run)")
    ap.add_argument("--no-kinto", action="store_true", help="skip Kinto")
    ap.add_argument("--mutator", default="auto", choices=["auto", *ours.MUTATORS],
                    help="mutation pushed (auto: a real field-ops one if registered, else note.put)")
    ap.add_argument("--server-root", default=str(BENCH_DIR.parent), help="project root of the server to measure")
    ap.add_argument("--history-rows", type=int, help="feed rows of other branches added for the history test")
    ap.add_argument("--pull-changes", type=int, help="changes in the pulled scope (default 10000)")
    ap.add_argument("--keep-db", action="store_true", help="keep our server's databases (to inspect plans)")
    args = ap.parse_args(argv)

    cfg = Config(**(QUICK if args.quick else {}))
    cfg.server_root = args.server_root
    cfg.keep_db = args.keep_db
    cfg.mutator = pick_mutator(Path(cfg.server_root)) if args.mutator == "auto" else args.mutator
    if args.history_rows is not None:
        cfg.history_rows = args.history_rows
    if args.pull_changes is not None:
        cfg.pull_changes = args.pull_changes
    kinds = args.db or ["sqlite", "postgresql"]
    work = BENCH_DIR / ".work" / time.strftime("%Y%m%dT%H%M%S")
    work.mkdir(parents=True, exist_ok=True)
    run_prefix = uuid.uuid4().hex[:8]
    loadgen.ensure_wrk()
    started = time.time()
    load_start = list(os.getloadavg())
    if load_start[0] > _cpus():
        log(f"WARNING: load average {load_start[0]:.1f} on {_cpus()} CPUs: other work is running, "
            "the figures will be noisy (ratios to hello-world of the same run help only partly)")
    log(f"benchmark {run_prefix}: {', '.join(kinds)}; mutator {cfg.mutator}; work dir {work}")

    results: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "command": " ".join([".venv/bin/python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "config": cfg.__dict__,
        "mutator": ours.MUTATORS[cfg.mutator].note,
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "platform": platform.platform(),
                    "wrk": _wrk_version()},
        "gunicorn": servers.GUNICORN_FLAGS,
        "git": _git(Path(cfg.server_root)),
        "sections": {},
    }
    kinto_result: dict[str, Any] | None = None
    for kind in kinds:
        log(f"{kind}: hello-world")
        hello_before = measure_hello(cfg, work, f"{kind}_before")
        section: dict[str, Any] = {}
        log(f"{kind}: our server")
        section["ours"] = as_dict(ours.run(kind, cfg, work, run_prefix, log))
        if args.no_kinto:
            section["kinto"], section["kinto_note"] = None, "skipped (--no-kinto)"
        elif kind == "postgresql":
            log("postgresql: Kinto")
            kinto_result = as_dict(kinto_bench.run(cfg, work, run_prefix))
            section["kinto"] = kinto_result
        else:
            section["kinto"] = None
            section["kinto_note"] = ("n/a: Kinto has no SQLite backend (its figures on PostgreSQL are in the "
                                     "postgresql table)")
        log(f"{kind}: hello-world again")
        section["hello"] = bracket(hello_before, measure_hello(cfg, work, f"{kind}_after"))
        results["sections"][kind] = section
    results["seconds"] = round(time.time() - started, 1)
    results["load_average"] = {"start": load_start, "end": list(os.getloadavg())}

    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started)) + (".quick" if args.quick else "") + ".json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    flags = " ".join(servers.GUNICORN_FLAGS[2:])  # without --config <empty file>
    print(f"mutator: {results['mutator']}; gunicorn {flags}; "
          f"{results['machine']['cpus']} CPUs; wrk -tN -cN")
    for kind, section in results["sections"].items():
        print(report.table(kind, section))
        print()
    print(f"load average {load_start[0]:.1f} at the start, {results['load_average']['end'][0]:.1f} at the end "
          f"({results['machine']['cpus']} CPUs)")
    print(f"results: {out.relative_to(BENCH_DIR.parent)} ({results['seconds']} s)")
    return 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _wrk_version() -> str:
    proc = subprocess.run([loadgen.ensure_wrk(), "-v"], capture_output=True, text=True)
    return (proc.stdout + proc.stderr).strip().splitlines()[0] if (proc.stdout + proc.stderr).strip() else "?"


def _git(root: Path) -> str:
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return proc.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
