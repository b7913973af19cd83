"""The production server's access log: gunicorn's line, built only as far as it prints (#16).

gunicorn's logger builds every atom of its access-log format for every request: twenty
of its own plus one per request header, response header and environ key (about sixty
for a sync pull), then copies them all to escape their quotes, though the default
format prints nine. Under gevent the log record then made a dummy ``Thread`` per
greenlet for a thread name that no format here prints. Together that was 3–4 % of a
waiting long poll's worker CPU. :class:`AccessLogger` writes the same line (the same
``access_log_format``, atoms and escaping, the same handlers and ``accesslog`` target)
and computes an atom only when the format asks for it.

``gunicorn.conf.py`` names it as ``logger_class``.
"""
from __future__ import annotations

import logging
import os
import traceback
from datetime import timedelta
from typing import Any, Callable

from gunicorn.glogging import Logger


class AccessLogger(Logger):
    """gunicorn's :class:`~gunicorn.glogging.Logger` with :class:`Atoms` for the access line."""

    @classmethod
    def install(cls) -> None:
        """Called by gunicorn when it loads the class (in the master, before the workers
        fork): no format of ours prints ``threadName``, and under gevent finding it built
        a dummy thread for every request's greenlet."""
        logging.logThreads = False

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        """Write the access line of one request, as gunicorn's does."""
        if not self.access_log_enabled:
            return
        try:
            self.access_log.info(self.cfg.access_log_format, Atoms(self, resp, req, environ, request_time))
        except Exception:  # noqa: BLE001 - gunicorn's own: a broken line must not fail the request
            self.error(traceback.format_exc())


def _sent(atoms: "Atoms") -> Any:
    return getattr(atoms.resp, "sent", None)


def _status(atoms: "Atoms") -> Any:
    status = atoms.resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


#: gunicorn's atoms (``gunicorn.glogging.Logger.atoms``), each computed when asked for.
_ATOMS: dict[str, Callable[["Atoms"], Any]] = {
    "h": lambda a: a.environ.get("REMOTE_ADDR", "-"),
    "l": lambda a: "-",
    "u": lambda a: a.log._get_user(a.environ) or "-",
    "t": lambda a: a.log.now(),
    "r": lambda a: f"{a.environ['REQUEST_METHOD']} {a.environ['RAW_URI']} {a.environ['SERVER_PROTOCOL']}",
    "s": _status,
    "m": lambda a: a.environ.get("REQUEST_METHOD"),
    "U": lambda a: a.environ.get("PATH_INFO"),
    "q": lambda a: a.environ.get("QUERY_STRING"),
    "H": lambda a: a.environ.get("SERVER_PROTOCOL"),
    "b": lambda a: str(_sent(a)) if _sent(a) is not None else "-",
    "B": _sent,
    "f": lambda a: a.environ.get("HTTP_REFERER", "-"),
    "a": lambda a: a.environ.get("HTTP_USER_AGENT", "-"),
    "T": lambda a: a.took.seconds,
    "D": lambda a: a.took.seconds * 1_000_000 + a.took.microseconds,
    "M": lambda a: a.took.seconds * 1000 + int(a.took.microseconds / 1000),
    "L": lambda a: "%d.%06d" % (a.took.seconds, a.took.microseconds),
    "p": lambda a: f"<{os.getpid()}>",
}


class Atoms(dict):
    """The atoms of one access line, as gunicorn's ``SafeAtoms`` answers them (``"``
    escaped, ``-`` for an unknown one, ``{name}i``/``o``/``e`` for a request header,
    response header or environ key in any case), computed on lookup.

    A ``dict`` holding one atom, so that ``logging`` takes it as the format's mapping
    (it does for one non-empty mapping argument); the rest come from ``__getitem__``.
    """

    def __init__(self, log: Logger, resp: Any, req: Any, environ: dict[str, Any], took: timedelta) -> None:
        super().__init__(l="-")
        self.log, self.resp, self.req, self.environ, self.took = log, resp, req, environ, took

    def __getitem__(self, key: str) -> Any:
        value = self._atom(key)
        return value.replace('"', '\\"') if isinstance(value, str) else value

    def _atom(self, key: str) -> Any:
        if key.startswith("{"):
            name, kind = key[1:-2].lower(), key[-1:].lower()
            if key[-2:-1] != "}" or kind not in "ioe":
                return "-"
            return _last(self._pairs(kind), name)
        atom = _ATOMS.get(key)
        return atom(self) if atom is not None else "-"

    def _pairs(self, kind: str) -> Any:
        if kind == "e":
            return self.environ.items()
        if kind == "o":
            headers = self.resp.headers
        else:
            headers = getattr(self.req, "headers", self.req)
        return headers.items() if hasattr(headers, "items") else headers


def _last(pairs: Any, name: str) -> Any:
    """The value of the last pair named ``name`` in any case (gunicorn's dict of them
    keeps the last), or ``-``."""
    found = "-"
    for key, value in pairs:
        if key.lower() == name:
            found = value
    return found
