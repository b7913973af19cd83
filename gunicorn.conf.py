"""gunicorn settings of ``./dev.sh serve`` and production (override with GUNICORN_CMD_ARGS).

Long polls are greenlets, not threads (#16): ``server.serving.Worker`` is gunicorn's
gevent worker, so a waiting pull holds neither a thread nor a database connection.

How many waiting devices a host holds: each worker holds up to ``FIELDOPS_SYNC_MAX_WAITERS``
(default 10,000) waiting pulls; past it a pull is answered at once with
``retry_after_ms``. Each waiter is one socket, so the file-descriptor limit of the
process (``ulimit -n``; ``LimitNOFILE`` in systemd) must exceed the cap plus the
database pool; ``worker_connections`` follows the cap. Measured on the 2-core machine of
bench/README.md ("Fleet"): 10,000 waiters on one host (2 workers), about 10 KB each.
One worker per core: hashing a login and serialising a pull are CPU, and the kernel
spreads connections over the workers.
"""
import os

bind = os.environ.get("FIELDOPS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("FIELDOPS_WORKERS", "2"))
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
