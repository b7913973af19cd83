"""gunicorn settings of ``./dev.sh serve`` and production (override with GUNICORN_CMD_ARGS).

Long polls are greenlets, not threads (#16): ``server.serving.Worker`` is gunicorn's
gevent worker, so a waiting pull holds neither a thread nor a database connection.

How many waiting devices a host holds: each worker holds up to ``FIELDOPS_SYNC_MAX_WAITERS``
(default 10,000) waiting pulls; past it a pull is answered at once with
``retry_after_ms``. Each waiter is one socket, so the file-descriptor limit of the
process (``ulimit -n``; ``LimitNOFILE`` in systemd) must exceed the cap plus the
database pool; ``worker_connections`` follows the cap. bench/fleet.py measures a host
(bench/README.md "Fleet": 36–41 KiB of RSS per waiter; each waiter re-polls every 24–30 s,
1.7–5.3 ms of worker CPU per re-poll as the machine's speed drifts: CPU, not memory or
sockets, bounds a host's share; the 2-core reference host held 10,000 with no headroom
on a fast day, 3,000 on a slow one).
On PostgreSQL one worker per core (hashing a login and serialising a pull are CPU; the
kernel spreads connections over the workers); on SQLite one (see ``_default_workers``).
"""
import os



def _default_workers() -> int:
    """One worker on SQLite, two (one per core of the reference host) on PostgreSQL.

    SQLite has one writer per database file, and its busy wait is a C sleep that under
    gevent stalls every greenlet of the waiting process: two workers writing at once (a
    fleet's touches of ``last_pull_at``) stalled each other for seconds (#16). One gevent
    worker serialises its writers instead; the embedded database serves one site.
    """
    url = os.environ.get("DATABASE_URL", "")
    return 2 if url.startswith(("postgres://", "postgresql")) else 1


bind = os.environ.get("FIELDOPS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("FIELDOPS_WORKERS") or _default_workers())
worker_class = "server.serving.Worker"
# Waiters plus the other requests in flight; past the cap a pull is answered at once.
worker_connections = int(os.environ.get("FIELDOPS_SYNC_MAX_WAITERS", "10000")) + 1000
# Seconds a request's headers may take to arrive (and a keep-alive connection may idle):
# a client dribbling its headers is dropped after this (slowloris).
keepalive = int(os.environ.get("FIELDOPS_REQUEST_READ_SECONDS", "5"))
timeout = 60  # a worker that stops answering gunicorn's heartbeat for this long is replaced
# SIGTERM answers every waiting pull at once (server/serving.py); this bounds the rest.
graceful_timeout = 10
accesslog = os.environ.get("FIELDOPS_ACCESS_LOG", "-")

# Requests gunicorn refuses itself answer problem+json like the app (#12).
from server.gunicorn_errors import install as _install_problem_errors  # noqa: E402

_install_problem_errors()
