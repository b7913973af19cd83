"""The results table: each figure, its ratio to hello-world of the same run, Kinto's
figure and ratio, and the targets of issue #3."""
from __future__ import annotations

from typing import Any

TARGETS = {
    "push_1": ("ratio", 2.0, ">= 2x hello"),
    "push_8": ("ratio", 2.0, ">= 2x hello"),
    "pull_full": ("ratio", 8.0, ">= 8x hello"),
    "pull_incr_100": ("p50_ms", 5.0, "< 5 ms"),
    "empty_polls_8": ("ratio", 0.5, ">= 0.5x hello"),
}

ROWS = [
    # key, label, kind
    ("push_1", "push, 1 client x 100/batch (mutations/s)", "items"),
    ("push_8", "push, 8 clients x 100/batch (mutations/s)", "items"),
    ("pull_full", "full pull, pages of 500 (changes/s)", "items"),
    ("pull_incr_100", "incremental pull of 100, p50/p95 (ms)", "latency"),
    ("empty_polls_8", "empty polls, 8 clients (polls/s)", "rps"),
    ("pull_full_big", "  same, + history rows (changes/s)", "items"),
    ("pull_incr_100_big", "incremental pull of 100, + history (ms)", "latency"),
]


def figure(r: dict[str, Any] | None, kind: str) -> float | None:
    if not r:
        return None
    if kind == "items":
        return r["items_per_s"]
    if kind == "rps":
        return r["rps"]
    return r["lat_p50_ms"]


def cell(r: dict[str, Any] | None, kind: str, hello: dict[str, Any]) -> tuple[str, str]:
    if not r:
        return "-", "-"
    if kind == "latency":
        return f"{r['lat_p50_ms']:.2f} / {r['lat_p95_ms']:.2f}", f"{r['lat_p50_ms'] / hello['one']['lat_p50_ms']:.1f}x lat"
    v = figure(r, kind)
    return f"{v:,.0f}", f"{v / hello['eight']['rps']:.2f}x"


def verdict(key: str, r: dict[str, Any] | None, hello: dict[str, Any]) -> str:
    if key not in TARGETS or not r:
        return ""
    what, bound, _ = TARGETS[key]
    if what == "ratio":
        kind = "rps" if key == "empty_polls_8" else "items"
        ok = figure(r, kind) / hello["eight"]["rps"] >= bound
    else:
        ok = r["lat_p50_ms"] < bound
    ok = ok and r.get("clean", True)
    return "met" if ok else "MISSED"


def uneven(split: Any, workers: int = 2) -> bool:
    """A phase's connections spread over the server's ``workers`` processes with more than
    two between the busiest and the idlest (8 connections as 6/2, 7/1 or 8/0)."""
    if not split or sum(split) < 2 * workers:
        return False
    counts = list(split) + [0] * (workers - len(split))
    return max(counts) - min(counts) > 2


def table(kind: str, section: dict[str, Any]) -> str:
    hello = section["hello"]
    ours = section["ours"]
    kinto = section.get("kinto")
    lines = []
    h8, h1 = hello["eight"], hello["one"]
    lines.append(f"== {kind}: hello-world {h8['rps']:,.0f} req/s with 8 connections "
                 f"({h1['rps']:,.0f} req/s, median {h1['lat_p50_ms']:.2f} ms with 1) ==")
    if "before" in hello:
        lines.append(f"   hello-world before / after this section: {hello['before']['eight']['rps']:,.0f} / "
                     f"{hello['after']['eight']['rps']:,.0f} req/s (ratios use the mean; a spread over 15% "
                     f"means the machine was busy: rerun)")
    if kinto is None:
        lines.append(f"   Kinto: {section.get('kinto_note', 'not run')}")
    head = ("figure", "ours", "x hello", "Kinto", "x hello", "target", "")
    widths = (52, 13, 9, 13, 9, 13, 6)
    fmt = "  ".join("{:<%d}" % w for w in widths)
    lines.append(fmt.format(*head))
    lines.append("-" * (sum(widths) + 2 * len(widths)))
    for key, label, k in ROWS:
        r = ours.get(key)
        if key == "pull_full_big":
            label = f"full pull of {ours['pull_scope_changes_big']:,}, + {ours['history']['rows_added']:,} rows (changes/s)"
        if key == "pull_full":
            label = label.replace("full pull", f"full pull of {ours['pull_scope_changes']:,}")
        v, ratio = cell(r, k, hello)
        kr = kinto.get(key) if kinto else None
        kv, kratio = cell(kr, k, hello)
        if kinto is not None and kr is None:
            kv, kratio = "n/a", ""
        target = TARGETS.get(key, (None, None, ""))[2]
        lines.append(fmt.format(label, v, ratio, kv, kratio, target, verdict(key, r, hello)))
    small, big = ours.get("pull_full"), ours.get("pull_full_big")
    if small and big and small["items_per_s"] and big["items_per_s"]:
        t_small = ours["pull_scope_changes"] / small["items_per_s"] * 1000
        t_big = ours["pull_scope_changes_big"] / big["items_per_s"] * 1000
        hist = ours["history"]
        lines.append(f"   history: a full pull of the scope takes {t_small:.0f} ms with {hist['feed_rows_before']:,} feed rows "
                     f"stored and {t_big:.0f} ms with {hist['feed_rows_after']:,} ({t_big / t_small:.2f}x; the history rows "
                     f"were written by SQL in {hist['seed_seconds']:.0f} s)")
    missing = ours.get("tables_missing_from_migrations")
    if missing:
        lines.append(f"   schema: {len(missing)} tables of the models are in no migration; the benchmark made them "
                     f"with create_all ({', '.join(missing[:6])}{', ...' if len(missing) > 6 else ''})")
    phases = [(f"hello {when}", hello[when]["eight"]) for when in ("before", "after") if when in hello] or [("hello", h8)]
    phases += [(f"{who}:{k}", r) for who, d in (("ours", ours), ("kinto", kinto or {})) for k, r in d.items()
               if isinstance(r, dict)]
    repeated = [f"{name} " + ", ".join(f"{rps:,.0f} ({'/'.join(map(str, split))})" for rps, split in r["rounds"])
                for name, r in phases if r.get("rounds")]
    if repeated:
        lines.append("   median of 3 runs, each with new connections (req/s, connections per worker): "
                     + "; ".join(repeated))
    skewed = [f"{name} {'/'.join(map(str, r['conn_split']))}" for name, r in phases if uneven(r.get("conn_split"))]
    if skewed:
        lines.append("   connections per worker uneven (the busier worker's core caps the phase): " + ", ".join(skewed))
    dirty = [f"{who}:{k}" for who, d in (("ours", ours), ("kinto", kinto or {})) for k, r in d.items()
             if isinstance(r, dict) and "clean" in r and not r["clean"]]
    if dirty:
        lines.append("   NOT CLEAN (errors, non-200 or rejected items): " + ", ".join(dirty))
    return "\n".join(lines)
