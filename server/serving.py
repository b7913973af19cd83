"""The production worker: gunicorn's gevent worker, with slow clients and shutdown handled (#16).

A waiting pull is a greenlet asleep on an event (``sync/notify.py``), not a thread and
not a database connection, so one process holds thousands of them while health checks,
logins and pushes are answered at once. gunicorn's :class:`GeventWorker` monkey-patches
the standard library (sockets, threads, ``time.sleep``) in the worker before the app is
imported; psycopg 3 then waits on its sockets cooperatively by itself, and SQLAlchemy's
pool queues on gevent locks. This worker adds what a fleet of phones needs:

* **slow clients are dropped**: a request's headers must arrive within ``keepalive``
  seconds (gunicorn's own timeout around reading a request, which also ends an idle
  keep-alive connection), and its body whole within ``request_read_seconds``
  (plus its length at 64 KiB/s, :class:`WholeBody`), else the connection is closed (408). A client dribbling bytes
  costs a greenlet, never a thread, for those few seconds;
* **graceful shutdown answers every waiter at once** (:func:`sync.notify.release_all`):
  on SIGTERM (deploy, scale-in) each waiting pull is answered with what it has and a
  ``retry_after_ms`` hint, and ``Connection: close``, so devices come back to another
  host instead of timing out here.

Run it as ``gunicorn -c gunicorn.conf.py wsgi:app`` (``worker_class`` names it).
"""
from __future__ import annotations

import gc
import io
import sys
from typing import Any, Callable, Iterable

import gevent
from gunicorn.workers.ggevent import GeventWorker

from sync import release_all

_CHUNK = 64 * 1024
#: Bytes per second a body must keep up beyond its first ``request_read_seconds``: a 1 MiB
#: push gets 5 s + 16 s, a 10 MiB photo 5 s + 160 s (mobile uplinks are slow, not silent).
MIN_BODY_RATE = 64 * 1024


class WholeBody:
    """WSGI middleware: read the request body whole before the app runs, within
    ``seconds`` plus its length at :data:`MIN_BODY_RATE`.

    A body that does not arrive in time is answered 408 ``request_timeout`` with
    ``Connection: close`` (the half-read connection cannot be reused). A body longer
    than ``max_bytes`` is left to the app, which refuses it by its length (413) without
    reading it.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], seconds: float, max_bytes: int) -> None:
        self.app, self.seconds, self.max_bytes = app, seconds, max_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            declared = int(length) if length else 0
        except ValueError:
            declared = 0
        if (declared or chunked) and declared <= self.max_bytes:
            try:
                with gevent.Timeout(self.seconds + (declared or self.max_bytes) / MIN_BODY_RATE):
                    body = _read(environ["wsgi.input"], declared if not chunked else None, self.max_bytes)
            except gevent.Timeout:
                start_response("408 Request Timeout", [
                    ("Content-Type", "application/problem+json"), ("Connection", "close")])
                return [b'{"type":"about:blank","title":"The request did not arrive in time","status":408,'
                        b'"code":"request_timeout"}']
            environ["wsgi.input"] = io.BytesIO(body)
            if chunked:  # the app now sees a plain body of known length
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)


def _read(stream: Any, length: int | None, max_bytes: int) -> bytes:
    """``length`` bytes of ``stream`` (to its end when ``None``, at most ``max_bytes`` + 1)."""
    parts, left = [], (max_bytes + 1 if length is None else length)
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


#: How often a worker runs Python's full (generation 2) collection, on a timer instead of
#: when the collector decides (:func:`collect_fully_every`).
FULL_COLLECTION_SECONDS = 600.0


def collect_fully_every(seconds: float) -> gevent.Greenlet:
    """Take the full garbage collection off the request path: run it every ``seconds``.

    A waiting pull keeps its objects for up to 30 s, long enough to survive the young
    collections into the oldest generation, so a worker holding thousands of waiters has
    millions of old objects, and CPython's automatic full collection (every few seconds at
    that churn) walks them all, stalling every greenlet of the worker: 180–760 ms pauses
    at 5,000 waiters a worker, every ~4 s (bench/README.md "Fleet"), which were the p99
    of every other request. The young generations stay automatic (their pauses are short:
    they walk only new objects); the objects alive after the app loaded are frozen out of
    every collection (:func:`gc.freeze`); the full collection, whose only job is cycles
    that outlived the young ones, runs on this timer. The pattern and its measurements:
    Instagram's "Dismissing Python Garbage Collection at Instagram" (2017).
    """
    young, middle, _ = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(young, middle, _NEVER)

    def collect() -> None:
        while True:
            gevent.sleep(seconds)
            gc.collect()

    return gevent.spawn(collect)


#: A generation-1 count the automatic collector never reaches: no automatic full collection.
_NEVER = 2**31 - 1

#: Seconds the worker's event loop holds the GIL before a thread that wants it gets it
#: (:func:`sys.setswitchinterval`; CPython's default is 0.005). The only other threads of
#: a worker are gevent's thread pool, where a login's Argon2 hash runs
#: (``services/passwords.py``): it takes the GIL to start the hash and again to hand its
#: result back, and at 10,000 waiters each of those waited out the loop's 5 ms slices, so
#: a hash of 18 ms of CPU took up to 50 ms (bench/README.md "Fleet", 6 December).
SWITCH_INTERVAL = 0.0005


class Worker(GeventWorker):
    """:class:`GeventWorker` plus :class:`WholeBody` and waiters answered at shutdown."""

    def load_wsgi(self) -> None:
        super().load_wsgi()
        settings = getattr(self.wsgi, "extensions", {}).get("settings")
        if settings is not None:
            largest = max(settings.max_body_bytes, settings.photo_max_bytes)
            self.wsgi = WholeBody(self.wsgi, settings.request_read_seconds, largest)
        collect_fully_every(FULL_COLLECTION_SECONDS)
        sys.setswitchinterval(SWITCH_INTERVAL)


    def handle_exit(self, sig: int, frame: Any) -> None:
        # SIGTERM, the graceful stop (gunicorn's master sends it on TERM and HUP): answer
        # every waiter now, out of the signal handler, then stop as gunicorn does.
        gevent.spawn(self._release_waiters)
        super().handle_exit(sig, frame)

    def handle_quit(self, sig: int, frame: Any) -> None:
        # SIGINT/SIGQUIT, the quick stop: waiters are answered too, if time allows.
        gevent.spawn(self._release_waiters)
        super().handle_quit(sig, frame)

    def _release_waiters(self) -> None:
        released = release_all()
        if released:
            self.log.info("Answered %s waiting pulls for the shutdown", released)
