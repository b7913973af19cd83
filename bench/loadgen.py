"""The one load generator of the benchmark: wrk (C, event loop, its own process), driven
by the Lua scripts in ``lua/``. Hello-world, our server and Kinto all go through it.

Each run uses ``-t N -c N``: N wrk threads with one keep-alive connection each, so a
thread can play one sync client (its own client id, token, mutation counter, cursor).
Every script prints one ``BENCHJSON {...}`` line (see ``lua/common.lua``).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LUA_DIR = Path(__file__).resolve().parent / "lua"


def ensure_wrk() -> str:
    """Path of wrk; installs Debian's package when missing and we are root."""
    path = shutil.which("wrk")
    if path:
        return path
    import os

    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install wrk", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        path = shutil.which("wrk")
    if not path:
        raise SystemExit("the benchmark needs wrk (Debian: apt-get install wrk)")
    return path


def lua_value(v: Any) -> str:
    """Python value -> Lua literal (str, int, float, bool, None, list, dict)."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid Lua escapes for ASCII/\uXXXX-free text
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(lua_value(x) for x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"[{lua_value(str(k))}] = {lua_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


@dataclass
class WrkResult:
    name: str
    duration_s: float
    requests: int
    ok: int
    bad: int
    items: int
    cycles: int
    rejected: int
    errors: dict[str, int]
    lat_p50_ms: float
    lat_p95_ms: float
    lat_p99_ms: float
    lat_mean_ms: float
    lat_max_ms: float
    first_bad: str
    #: wrk's connections per server process, most loaded first, sampled once mid-run
    #: (empty if it could not be read). gunicorn's workers accept keep-alive connections
    #: as they come, so 8 connections may land 4/4 or 1/7; the busier worker's one core
    #: then caps the phase (a 1/7 split cost hello-world a quarter of its req/s here).
    conn_split: tuple[int, ...] = ()
    #: For :func:`run_median`: each round's ``(ok requests/s, conn_split)``, in order.
    rounds: tuple[tuple[float, tuple[int, ...]], ...] = ()

    @property
    def rps(self) -> float:
        return self.ok / self.duration_s if self.duration_s else 0.0

    @property
    def items_per_s(self) -> float:
        return self.items / self.duration_s if self.duration_s else 0.0

    def clean(self) -> bool:
        return self.bad == 0 and self.rejected == 0 and not any(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["rps"] = round(self.rps, 1)
        d["items_per_s"] = round(self.items_per_s, 1)
        return d


def enough_seconds(base: float, per_request_s: float, conns: int, cap: float, rounds: int = 6) -> float:
    """A phase long enough for each of ``conns`` connections to finish about ``rounds``
    requests even if the server serialises them (requests cut off at the end are not
    counted, which would otherwise bias against slow requests); at least ``base``."""
    return float(max(base, min(cap, rounds * conns * per_request_s)))


def run(name: str, script: str, url: str, *, conns: int, duration: float, config: dict[str, Any],
        work: Path, timeout_s: int = 30, settle_s: float = 1.0) -> WrkResult:
    """Run ``lua/<script>.lua`` with ``config`` as Lua globals against ``url``."""
    wrk = ensure_wrk()
    pre = "\n".join(f"{k} = {lua_value(v)}" for k, v in config.items())
    src = pre + "\n" + (LUA_DIR / "common.lua").read_text() + "\n" + (LUA_DIR / f"{script}.lua").read_text()
    path = work / f"{name}.lua"
    path.write_text(src)
    dur = max(1, int(round(duration)))
    argv = [wrk, f"-t{conns}", f"-c{conns}", f"-d{dur}s", "--timeout", f"{timeout_s}s", "-s", str(path), url]
    wrk_proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(min(1.0, dur / 2))
    split = conn_split(url)
    try:
        stdout, stderr = wrk_proc.communicate(timeout=dur + timeout_s + 30)
    except subprocess.TimeoutExpired:
        wrk_proc.kill()
        raise
    line = next((ln for ln in stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if wrk_proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk {name} failed ({wrk_proc.returncode}):\n{stdout}\n{stderr}")
    d = json.loads(line[len("BENCHJSON "):])
    time.sleep(settle_s)  # let requests wrk abandoned at the end finish before the next step
    us = 1000.0
    return WrkResult(
        name=name, duration_s=d["duration_us"] / 1e6, requests=d["requests"], ok=d["ok"], bad=d["bad"],
        items=d["items"], cycles=d["cycles"], rejected=d["rejected"],
        errors={k[4:]: d[k] for k in d if k.startswith("err_")},
        lat_p50_ms=d["lat_p50_us"] / us, lat_p95_ms=d["lat_p95_us"] / us, lat_p99_ms=d["lat_p99_us"] / us,
        lat_mean_ms=d["lat_mean_us"] / us, lat_max_ms=d["lat_max_us"] / us, first_bad=d["first_bad"],
        conn_split=split,
    )


def run_median(name: str, script: str, url: str, *, rounds: int = 3, **kwargs: Any) -> WrkResult:
    """:func:`run` ``rounds`` times, each with new connections; the round of median
    requests/s, with every round in ``rounds``.

    For the 8-connection phases that can be repeated as they are (hello-world, empty
    polls): how wrk's connections land on the workers changes from one run to the next
    (:attr:`WrkResult.conn_split`) and moves a phase by a quarter or more; the median of
    three is much less a matter of that luck than one run. Not for pushes, whose Lua
    clients number their mutations from 1 in every run."""
    results = [run(f"{name}_r{i}", script, url, **kwargs) for i in range(rounds)]
    middle = sorted(results, key=lambda r: r.rps)[len(results) // 2]
    middle.rounds = tuple((round(r.rps, 1), r.conn_split) for r in results)
    return middle


def conn_split(url: str) -> tuple[int, ...]:
    """Established connections to ``url``'s port per server process (``ss -tnp``), most
    first; empty when ``ss`` is missing or shows no owner (another user's processes)."""
    port = urlsplit(url).port
    try:
        out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    pids = Counter(m.group(1) for m in re.finditer(r"pid=(\d+)", out))
    return tuple(sorted(pids.values(), reverse=True))
