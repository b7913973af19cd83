"""Micro-benchmark of the SQLite page statement of a pull (issue #3: a pull costs what it
returns, not the history stored). See bench/README.md, "SQLite page statement".

Makes SQLite files with the real schema (``sync.schema.metadata.create_all``): a scope of
``--scope-rows`` feed rows (10,000) over 1 or 12 audiences, plus 0 / 100k / 1M rows of 200
*other* audiences (50 branches) interleaved in seq order as ``seed_history`` in
``ours.py`` does (the scope's rows spread out, the history in the seqs between and after),
and with ``--analyze`` then ANALYZE (the server never analyzes SQLite; statistics are what
flip ``in``'s plan). On each, for each candidate statement, it times:

* full:  a full pull of the scope from cursor 0 in pages of 500 (``limit`` 501, as the
         engine asks ``limit + 1``, each page following the 500th row's seq);
* incr:  one page from 100 changes behind the scope's head;
* empty: one page from the scope's head (history rows of other audiences follow it).

Each candidate's pages are first checked against a brute-force Python filter. No HTTP and
no JSON: the statement run through SQLAlchemy (``Connection.execute(text(…))``) as
``sync.store.page`` runs it. From the project root::

    .venv/bin/python bench/sqlite_page.py            # everything (files cached in bench/.work)
    .venv/bin/python bench/sqlite_page.py --history 1000000 --shape k12skew --candidate in --plans
"""
from __future__ import annotations

import argparse
import functools
import heapq
import itertools
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, create_engine, text  # noqa: E402

from sync import store  # noqa: E402  (the tables, and the shipped statement)
from sync.schema import metadata  # noqa: E402

WORK = ROOT / "bench" / ".work" / "sqlite_page"
COLS = "seq, entity, record_id, op, data"
INDEX = "ix_sync_change_audience_seq"
BRANCH = "a0000000-0000-4000-8000-000000000001"
#: A guard's scope has 11 audiences, a supervisor's 13 (server/rules/permissions.py).
ENTITIES = ["branch", "staff", "contractor", "contractor_visit", "checkpoint", "patrol", "incident",
            "shift/staff/s1", "roster_shift/staff/s1", "handover/staff/s1", "handover_item/staff/s1", "cleaning"]
#: Weights of the audiences in the skewed 12-audience scope: incidents dominate, as in the
#: HTTP benchmark's PULL01 branch (10k incidents plus the branch's org rows).
SKEW = [1, 30, 20, 200, 20, 500, 9000, 60, 60, 40, 40, 29]
SHAPES = {"k1": 1, "k12skew": 12, "k12even": 12}
FOREIGN_BRANCHES, FOREIGN_ENTITIES = 50, ["incident", "patrol", "staff", "shift"]
#: Stored ``data`` per row: a real incident's ``to_dict()`` (three UUIDs, texts, times) is
#: about 650 bytes of JSON; the size matters where a plan sorts whole rows.
DATA_BYTES = 650


def scope_audiences(shape: str) -> list[str]:
    return [f"{BRANCH}/{e}" for e in ENTITIES[:1]] if shape == "k1" else [f"{BRANCH}/{e}" for e in ENTITIES]


def build(path: Path, shape: str, scope_rows: int, history: int, data_bytes: int = DATA_BYTES,
          analyze: bool = False) -> None:
    """The feed: scope row j at seq j*S + 1 + S//2 (S = history // scope_rows + 1), the
    history in every other seq up to scope_rows*S, then ANALYZE if ``analyze``."""
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{tmp}")
    metadata.create_all(engine)
    engine.dispose()
    stride = history // scope_rows + 1
    rng = random.Random(7)
    auds = scope_audiences(shape)
    filler = "x" * max(data_bytes - 20, 0)
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    scope = []
    for j in range(scope_rows):
        if shape == "k1":
            aud = auds[0]
        elif shape == "k12skew":
            aud = rng.choices(auds, SKEW)[0]
        else:
            aud = rng.choice(auds)
        seq = j * stride + 1 + stride // 2
        scope.append((seq, aud.split("/", 1)[1], f"r{j:08d}", aud, "put", '{"id":"r%d","s":"%s"}' % (j, filler),
                      "2026-11-28 02:00:00.000000"))
    conn.executemany("INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", scope)
    if history:
        ents = ", ".join(f"'{e}'" for e in FOREIGN_ENTITIES)
        conn.execute(
            f"WITH RECURSIVE c(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM c WHERE g < {scope_rows * stride - 1}) "
            "INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at) "
            f"SELECT g + 1, 'incident', printf('h%012x', g), "
            f"printf('b0000000-0000-4000-8000-%012d/', g % {FOREIGN_BRANCHES}) "
            f"  || json_extract(json_array({ents}), '$[' || ((g / {FOREIGN_BRANCHES}) % {len(FOREIGN_ENTITIES)}) || ']'), "
            f"'put', printf('{{\"id\":\"h%d\",\"s\":\"{filler}\"}}', g), '2026-11-28 02:00:00.000000' "
            f"FROM c WHERE g % {stride} != {stride // 2}")
    conn.execute("UPDATE sync_counter SET seq = (SELECT max(seq) FROM sync_change)")
    conn.execute("COMMIT")
    if analyze:
        conn.execute("ANALYZE")
    conn.close()
    tmp.rename(path)


# --- candidates: (conn, audiences, after, limit) -> rows ---------------------------------


def _params(audiences: list[str], after: int, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {f"a{i}": a for i, a in enumerate(audiences)}
    params["after"], params["limit"] = after, limit
    return params


def _names(k: int) -> str:
    return ", ".join(f":a{i}" for i in range(k))


@functools.lru_cache(maxsize=None)
def _sql(kind: str, k: int) -> Any:
    where = f"audience IN ({_names(k)}) AND seq > :after"
    if kind == "in":  # today's SQLite statement
        sql = f"SELECT {COLS} FROM sync_change WHERE {where} ORDER BY seq LIMIT :limit"
    elif kind == "in_idx":  # today's, forced onto the (audience, seq) index: sorts every row ahead
        sql = f"SELECT {COLS} FROM sync_change INDEXED BY {INDEX} WHERE {where} ORDER BY seq LIMIT :limit"
    elif kind == "pg_union":  # PostgreSQL's statement (SQLite wants each limited arm in a FROM)
        parts = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {COLS} FROM sync_change WHERE audience = :a{i} AND seq > :after "
            f"ORDER BY seq LIMIT :limit)" for i in range(k))
        sql = f"SELECT {COLS} FROM ({parts}) AS merged ORDER BY seq LIMIT :limit"
    elif kind == "two_step":  # (a) seqs index-only (top-N sort of seqs), then rows by seq
        sql = (f"SELECT {COLS} FROM sync_change WHERE seq IN (SELECT seq FROM sync_change INDEXED BY {INDEX} "
               f"WHERE {where} ORDER BY seq LIMIT :limit) ORDER BY seq")
    elif kind == "merge":  # (c) a top-level compound: SQLite merges ordered arms (MERGE (UNION ALL))
        sql = " UNION ALL ".join(
            f"SELECT {COLS} FROM sync_change INDEXED BY {INDEX} WHERE audience = :a{i} AND seq > :after"
            for i in range(k)) + " ORDER BY seq LIMIT :limit"
    elif kind == "merge_seq":  # (c') the same merge on seqs only, then rows by seq
        arms = " UNION ALL ".join(
            f"SELECT seq FROM sync_change INDEXED BY {INDEX} WHERE audience = :a{i} AND seq > :after"
            for i in range(k))
        sql = f"SELECT {COLS} FROM sync_change WHERE seq IN ({arms} ORDER BY seq LIMIT :limit) ORDER BY seq"
    elif kind == "merge_rowid":  # (c'') the merge on (seq, rowid) index-only, then rows by rowid
        arms = " UNION ALL ".join(
            f"SELECT seq, rowid AS rid FROM sync_change INDEXED BY {INDEX} WHERE audience = :a{i} AND seq > :after"
            for i in range(k))
        sql = (f"SELECT c.seq, c.entity, c.record_id, c.op, c.data FROM ({arms} ORDER BY seq LIMIT :limit) AS m "
               f"CROSS JOIN sync_change AS c ON c.rowid = m.rid ORDER BY m.seq")
    else:
        raise KeyError(kind)
    return text(sql)


def statement(kind: str) -> Callable[..., list[tuple]]:
    def run(conn: Any, audiences: list[str], after: int, limit: int) -> list[tuple]:
        return conn.execute(_sql(kind, len(audiences)), _params(audiences, after, limit)).tuples().all()
    run.__name__ = kind
    return run


_SEQS = text(f"SELECT seq FROM sync_change INDEXED BY {INDEX} WHERE audience = :a AND seq > :after "
             "ORDER BY seq LIMIT :limit")
_BY_SEQ = text(f"SELECT {COLS} FROM sync_change WHERE seq IN :seqs ORDER BY seq").bindparams(
    bindparam("seqs", expanding=True))


def heapq_merge(conn: Any, audiences: list[str], after: int, limit: int) -> list[tuple]:
    """(b) one index-only range of seqs per audience, merged in Python, then rows by seq."""
    ranges = [conn.execute(_SEQS, {"a": a, "after": after, "limit": limit}).scalars().all() for a in audiences]
    seqs = list(itertools.islice(heapq.merge(*ranges), limit))
    return conn.execute(_BY_SEQ, {"seqs": seqs}).tuples().all() if seqs else []


def shipped(conn: Any, audiences: list[str], after: int, limit: int) -> list[tuple]:
    """``sync.store.page`` of this checkout (whatever it does on SQLite today)."""
    from sqlalchemy.orm import Session

    with Session(bind=conn) as session:
        return store.page(session, audiences, after, limit)


CANDIDATES: dict[str, Callable[..., list[tuple]]] = {
    "in": statement("in"),
    "in_idx": statement("in_idx"),
    "pg_union": statement("pg_union"),
    "two_step": statement("two_step"),
    "heapq": heapq_merge,
    "merge": statement("merge"),
    "merge_seq": statement("merge_seq"),
    "merge_rowid": statement("merge_rowid"),
    "shipped": shipped,
}
DEFAULT = ["in", "pg_union", "two_step", "heapq", "merge", "merge_seq", "merge_rowid", "shipped"]


# --- measuring ----------------------------------------------------------------------------


def brute(all_rows: list[tuple], audiences: list[str], after: int, limit: int) -> list[tuple]:
    wanted = set(audiences)
    return [r[:5] for r in all_rows if r[5] in wanted and r[0] > after][:limit]


def full_pull(fn: Callable[..., list[tuple]], conn: Any, auds: list[str], page: int = 500) -> int:
    after, n = 0, 0
    while True:
        rows = fn(conn, auds, after, page + 1)
        n += min(len(rows), page)
        if len(rows) <= page:
            return n
        after = rows[page - 1][0]


def check(fn: Callable[..., list[tuple]], conn: Any, all_rows: list[tuple], auds: list[str], cursors: list[int]) -> None:
    for after in cursors:
        for limit in (1, 7, 501):
            got = [tuple(r) for r in fn(conn, auds, after, limit)]
            want = brute(all_rows, auds, after, limit)
            if got != want:
                raise AssertionError(f"{fn.__name__}: after={after} limit={limit}: {len(got)} rows, want {len(want)}")


def plans(conn: Any, kinds: list[str], auds: list[str], after: int) -> None:
    raw = conn.connection.driver_connection  # sqlite3 takes :named parameters as they are
    for kind in kinds:
        if kind == "shipped":
            continue
        if kind == "heapq":
            sqls = [(_SEQS.text, {"a": auds[0], "after": after, "limit": 501}),
                    (_BY_SEQ.text.replace("IN :seqs", "IN (:s0, :s1)"), {"s0": 1, "s1": 2})]
        else:
            sqls = [(_sql(kind, len(auds)).text, _params(auds, after, 501))]
        print(f"  -- {kind}")
        for sql, params in sqls:
            for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params):
                print("     ", row[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--history", type=int, action="append", help="other audiences' rows (0, 20000, 100000, 1000000)")
    ap.add_argument("--shape", action="append", choices=list(SHAPES), help="scope shape (all three)")
    ap.add_argument("--candidate", action="append", choices=list(CANDIDATES))
    ap.add_argument("--scope-rows", type=int, default=10_000)
    ap.add_argument("--data-bytes", type=int, default=DATA_BYTES, help="stored data per row (650)")
    ap.add_argument("--seconds", type=float, default=1.0, help="time spent per figure (1 s)")
    ap.add_argument("--plans", action="store_true", help="print EXPLAIN QUERY PLAN of each statement")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--analyze", action="store_true",
                    help="ANALYZE the files (statistics the server never makes; the README's table has them)")
    args = ap.parse_args()
    histories = args.history or [0, 20_000, 100_000, 1_000_000]
    shapes = args.shape or list(SHAPES)
    kinds = args.candidate or DEFAULT
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}; scope {args.scope_rows:,} rows, {args.data_bytes} bytes of data each; pages of 500 (limit 501); "
          f"median of ~{args.seconds:g} s per figure; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    header = f"{'history':>9} {'scope':8} {'candidate':11} {'full ms':>9} {'changes/s':>10} {'incr ms':>8} {'empty ms':>9}"
    results = []
    for history in histories:
        for shape in shapes:
            stats = "-analyzed" if args.analyze else ""
            path = WORK / f"{shape}-{args.scope_rows}-{history}-{args.data_bytes}{stats}.sqlite3"
            if args.rebuild or not path.exists():
                t0 = time.monotonic()
                build(path, shape, args.scope_rows, history, args.data_bytes, args.analyze)
                print(f"(built {path.name} in {time.monotonic() - t0:.0f} s)", flush=True)
            engine = create_engine(f"sqlite:///{path}")
            auds = scope_audiences(shape)
            with engine.connect() as conn:
                all_rows = [tuple(r) for r in conn.exec_driver_sql(
                    f"SELECT {COLS}, audience FROM sync_change ORDER BY seq")]
                mine = [r[0] for r in all_rows if r[5] in set(auds)]
                incr_after, head = mine[-101], mine[-1]
                cursors = [0, mine[len(mine) // 2], incr_after, head, mine[0] - 1]
                if args.plans:
                    print(f"{history:,} history, {shape}, cursor 0:")
                    plans(conn, kinds, auds, 0)
                for kind in kinds:
                    fn = CANDIDATES[kind]
                    check(fn, conn, all_rows, auds, cursors)
                    assert full_pull(fn, conn, auds) == len(mine)
                    assert len(fn(conn, auds, incr_after, 501)) == 100 and not fn(conn, auds, head, 501)
                # Rounds over the candidates in turn, so a load change on the (shared)
                # machine moves them all alike; each figure is the median of its rounds.
                times: dict[tuple[str, str], list[float]] = {}
                deadline = time.perf_counter() + args.seconds * len(kinds)
                rounds = 0
                while rounds < 5 or time.perf_counter() < deadline:
                    rounds += 1
                    for kind in kinds:
                        fn = CANDIDATES[kind]
                        for what, f in (("full", lambda: full_pull(fn, conn, auds)),
                                        ("incr", lambda: fn(conn, auds, incr_after, 501)),
                                        ("empty", lambda: fn(conn, auds, head, 501))):
                            for _ in range(1 if what == "full" else 10):
                                t0 = time.perf_counter()
                                f()
                                times.setdefault((kind, what), []).append((time.perf_counter() - t0) * 1000)
                for kind in kinds:
                    full, incr, empty = (statistics.median(times[kind, w]) for w in ("full", "incr", "empty"))
                    line = (f"{history:>9,} {shape:8} {kind:11} {full:9.1f} {len(mine) / full * 1000:10,.0f} "
                            f"{incr:8.3f} {empty:9.3f}")
                    if not results:
                        print(header)
                    results.append(line)
                    print(line, flush=True)
                del all_rows
            engine.dispose()


if __name__ == "__main__":
    main()
