"""Empty polls against hello-world, alternating, for A/B comparisons of the poll path.

The full benchmark (``run.py``) measures each figure once per run, minutes apart from
its hello-world, on a machine whose speed drifts by a third within minutes. To compare
two versions of the poll path, this runs only the empty-poll workload of ``run.py`` (8
devices of one guard on the head cursor, 8 ``wrk`` connections, no ``wait``) and
hello-world under the same gunicorn flags, one after the other, ``--rounds`` times, on a
freshly migrated and seeded database, and prints the ratio of the sums.

    .venv/bin/python bench/polls_ab.py --db sqlite --rounds 3
    .venv/bin/python bench/polls_ab.py --db postgresql --server-root ../other-checkout
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import loadgen
import ours
import report
import servers
from httpc import Http

BENCH_DIR = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    ap.add_argument("--server-root", default=str(BENCH_DIR.parent), help="project root of the server to measure")
    args = ap.parse_args()
    root = Path(args.server_root).resolve()
    work = BENCH_DIR / ".work" / f"polls_ab_{time.strftime('%Y%m%dT%H%M%S')}"
    work.mkdir(parents=True, exist_ok=True)
    db = servers.Database(args.db, f"bench_polls_ab_{args.db[:2]}", work).create()
    env = {"DATABASE_URL": db.url, "SECRET_KEY": ours.SECRET, "FIELDOPS_LOG_LEVEL": "WARNING",
           "FLASK_APP": "wsgi.py", "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    try:
        ours.flask(root, env, "db", "upgrade")
        seed = json.loads(ours.flask(root, env, "seed-demo", "--password", ours.PASSWORD, "--json"))
        guard = ours.account(seed, "guard")
        hello_port, our_port = servers.pick_port(5277), servers.pick_port(5377)
        with servers.Server("hello", gunicorn, "hello:app", port=hello_port, cwd=BENCH_DIR, env=env, log_dir=work), \
             servers.Server("ours", gunicorn, "wsgi:app", port=our_port, cwd=root, env=env, log_dir=work):
            http = Http(servers.HOST, our_port)
            writer = ours.Client(http, ours.login(http, guard, "polls-ab-writer"))
            writer.push_records(ours.MUTATORS["incident.report"], 100, "ab", batch=100)
            pollers = [ours.Client(http, ours.login(http, guard, f"polls-ab-{i}")) for i in range(8)]
            head = pollers[0].pull_all(None)[1]
            for p in pollers:
                if p.pull(head)["changes"]:
                    raise RuntimeError("an empty poll returned changes")
            http.close()
            hello_cfg = {"path": "/hello", "headers": {}, "item_pat": '"hello"'}
            poll_cfg = ours.fixed_pull_config(pollers, head)
            hello_url, our_url = f"http://{servers.HOST}:{hello_port}", f"http://{servers.HOST}:{our_port}"
            loadgen.run("hello_warm", "get", hello_url, conns=8, duration=1, config=hello_cfg, work=work)
            loadgen.run("polls_warm", "post_fixed", our_url, conns=8, duration=1, config=poll_cfg, work=work)
            hello, polls, splits, even = [], [], [], []
            for r in range(args.rounds):
                h = loadgen.run(f"hello_{r}", "get", hello_url, conns=8, duration=args.seconds, config=hello_cfg, work=work)
                res = loadgen.run(f"polls_{r}", "post_fixed", our_url, conns=8, duration=args.seconds,
                                  config=poll_cfg, work=work)
                if not res.clean():
                    raise RuntimeError(f"polls not clean: {res.first_bad}")
                hello.append(h.rps)
                polls.append(res.rps)
                splits.append("/".join(map(str, h.conn_split)) + " " + "/".join(map(str, res.conn_split)))
                if not (report.uneven(h.conn_split) or report.uneven(res.conn_split)):
                    even.append(r)
        print(f"{args.db} at {root}: hello {[round(x) for x in hello]} req/s, empty polls {[round(x) for x in polls]} "
              f"polls/s, ratio {sum(polls) / sum(hello):.3f}; connections per worker (hello polls): {splits}")
        if even and len(even) < len(hello):
            print(f"  over the {len(even)} rounds where both runs spread their connections evenly (at worst 5/3): "
                  f"ratio {sum(polls[r] for r in even) / sum(hello[r] for r in even):.3f}")
    finally:
        db.drop()


if __name__ == "__main__":
    main()
