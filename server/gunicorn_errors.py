"""Requests gunicorn refuses before the app sees them answer problem+json too (#12).

gunicorn answers a malformed request (a bad ``Content-Length``, ``Transfer-Encoding``
beside ``Content-Length``, a NUL in a header, a request line over
``limit_request_line``, a header over ``limit_request_field_size``) itself, through
``gunicorn.util.write_error``, with a text/html page. It has no setting for that body,
so :func:`install` (called from ``gunicorn.conf.py``, before workers fork) replaces that
one function, for every worker class, with one writing the app's problem shape
(``server/errors.py``). The reason text gunicorn gives is not echoed: it quotes the
request.
"""
from __future__ import annotations

import json
from typing import Any

#: Statuses gunicorn answers itself, and their codes (the app's where it has one).
CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "server_error",
    501: "not_implemented",
}


def problem_bytes(status: int, reason: str) -> bytes:
    """The whole HTTP/1.1 answer for a request gunicorn refused."""
    code = CODES.get(status, "bad_request" if status < 500 else "server_error")
    body = json.dumps({
        "type": f"/problems/{code}", "title": reason, "status": status,
        "detail": "The server refused the request before reading it (see the README: Running in production).",
        "instance": None, "code": code,
    }).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n"
            "X-Content-Type-Options: nosniff\r\n\r\n")
    return head.encode("latin-1") + body


def install() -> None:
    """Make gunicorn's own error answers problem+json (idempotent)."""
    from gunicorn import util

    def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        util.write_nonblock(sock, problem_bytes(int(status_int), str(reason)))

    write_error.fieldops = True  # type: ignore[attr-defined]
    if not getattr(util.write_error, "fieldops", False):
        util.write_error = write_error
