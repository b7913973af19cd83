"""The figures of ``bench/fleet.py`` (#16): what the kernel and the machine counted
meanwhile, percentiles, and the markdown table of bench/README.md "Fleet"."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

PROBES = ("healthz", "login", "push")


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full
    (``TcpExtListenOverflows``): a client then waits for TCP's retransmission (1 s, 3 s)."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines() if line.startswith("TcpExt:")]
    return int(dict(zip(lines[0], lines[1]))["ListenOverflows"])


def machine_idle() -> float:
    """Seconds every core of this machine has spent idle since boot (``/proc/stat``)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")


def reference_ms() -> float:
    """CPU milliseconds this process takes for a fixed loop of Python (best of three): the
    machine's speed when a row ran, which drifts by half on this shared host, so rows of
    different hours compare by it (the row's other CPU figures scale with it)."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p99 in ms, interpolated between the nearest samples (``statistics.quantiles``,
    inclusive: the p99 of 100 samples lies between the two slowest; before 6 December it
    was the slowest one, which ``slowest_ms`` still shows)."""
    if len(values) < 2:
        cuts = [values[0] if values else 0.0] * 99
    else:
        cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1), "n": len(values)}


# --- the server ----------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    """The markdown table of bench/README.md "Fleet" from result rows."""
    def cell(row: dict, name: str) -> str:
        probe = row.get(name)
        return f"{probe['p50_ms']:.0f} / {probe['p99_ms']:.0f} ({probe['n']})" if probe else "–"

    def wake(row: dict, name: str) -> str:
        runs = row.get(name)
        if not runs:
            return "–"
        return ", ".join("push timed out" if r.get("push_failed") else f"{r['last_ms']:.0f}" if r["woken"] == r["of"]
                         else f"{r['woken']}/{r['of']}" for r in runs)

    def hold(row: dict, name: str, unit: str = "") -> str:
        value = row.get("hold", {}).get(name)
        return "–" if value is None else f"{value}{unit}"

    def overflows(row: dict) -> str:  # during the probes (older rows did not count them)
        counts = [row[n]["listen_overflows"] for n in PROBES if "listen_overflows" in row.get(n, {})]
        return f"{sum(counts):,}" if counts else "–"

    lines = ["| db | server | waiters (held) | healthz p50 / p99 ms (n) | login | 10-mutation push | "
             "wake, branch of 10: ms | wake, scope of 1,000: ms | RSS KiB / waiter | "
             "worker CPU ms / long poll | client CPU ms / long poll | machine idle | listen overflows | "
             "client errors | reference loop ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['db']} | {r['server']} | {r['waiters']:,} ({r['held']:,}) | {cell(r, 'healthz')} | "
                     f"{cell(r, 'login')} | {cell(r, 'push')} | {wake(r, 'wake_10')} | {wake(r, 'wake_1000')} | "
                     f"{r['rss_per_waiter_kib'] if r['waiters'] else '–'} | "
                     f"{hold(r, 'cpu_ms_per_poll')} | {hold(r, 'client_cpu_ms_per_poll')} | "
                     f"{hold(r, 'machine_idle_pct', '%')} | {overflows(r)} | {r['client_errors']} | "
                     f"{r.get('reference_ms', '–')} |")
    return "\n".join(lines)
