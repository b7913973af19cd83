"""gunicorn settings of ``./dev.sh serve`` (override with GUNICORN_CMD_ARGS).

Threads, not processes, carry long polls: a waiting pull blocks a thread on a condition,
never a whole worker (sync-protocol: ``wait`` up to 30 s).
"""
import os

bind = os.environ.get("FIELDOPS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("FIELDOPS_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("FIELDOPS_THREADS", "16"))
timeout = 60
graceful_timeout = 10
accesslog = "-"

# Requests gunicorn refuses itself answer problem+json like the app (#12).
from server.gunicorn_errors import install as _install_problem_errors  # noqa: E402

_install_problem_errors()
