"""What every response of the app carries, set once (#12).

* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, frame protection
  (``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``) and a
  ``Content-Security-Policy``: the PWA at ``/`` and the API docs load only this origin's
  scripts and styles. The docs page (Swagger UI, served locally) also needs inline style
  attributes and ``data:`` images; it is the one exception, named here.
* A 204 (logout) and an ``OPTIONS`` answer carry no ``Content-Type``; ``OPTIONS`` is a 204
  with ``Allow``.
* No answer redirects to a ``Location`` built from the ``Host`` header: URLs are matched
  as sent (no merging of ``//``, no trailing-slash redirects), so ``/api/docs/assets//etc/passwd``
  is a 404 problem, not a 308 to wherever the client's ``Host`` says.

A view may set its own value of any of these headers (photos set their own
``Content-Disposition``); it is kept.
"""
from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
#: Swagger UI sets inline style attributes; still nothing but this origin's scripts.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
DOCS_PATH = "/api/docs"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def secure(response: Response) -> Response:
    """The ``after_request`` hook (see the module docstring).

    The names a view set are looked up once: werkzeug's ``Headers.setdefault`` finds a
    missing name by raising and catching a ``BadRequestKeyError`` (an HTTP exception),
    four of them on every answer, long polls included (#16)."""
    present = {name.lower() for name in response.headers.keys()}
    csp = DOCS_CSP if request.path == DOCS_PATH else CSP
    response.headers.extend([(name, value) for name, value in (*HEADERS.items(), ("Content-Security-Policy", csp))
                             if name.lower() not in present])
    if request.method == "OPTIONS" and response.status_code == 200 and not response.get_data():
        response.status_code = 204  # Flask's automatic answer: the methods are in Allow
    if response.status_code in (204, 304):
        response.headers.pop("Content-Type", None)
    return response


def init_app(app: Flask) -> None:
    """Install the hook and match URLs as sent. Call before the blueprints are registered."""
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.after_request(secure)
