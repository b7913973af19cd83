"""One exception hierarchy, answered as ``application/problem+json`` (RFC 9457).

Every error on every route — raised by us, by Werkzeug (404, 405, 413, …), by the sync
engine, or unhandled — leaves as ``{type, title, status, detail, instance, code, …}``
with a stable snake_case ``code``. Never HTML, never a stack trace.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, Request, Response, current_app, g, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from sync import SyncError

from .extensions import db

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "/problems/"


class AppError(Exception):
    """Base of the application's errors: ``status``, ``code``, ``title``, ``detail``, ``extra``."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "Bad request"


class InvalidJson(AppError):
    status, code, title = 400, "invalid_json", "The body is not valid JSON"


class Unauthenticated(AppError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class DeviceRevoked(Unauthenticated):
    """A revoked session answers exactly like an unknown one (sync-protocol: Sessions)."""


class InvalidCredentials(AppError):
    status, code, title = 401, "invalid_credentials", "Wrong employee number or password"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class StaleVersion(AppError):
    status, code, title = 412, "stale_version", "The record changed since it was read"


class ValidationFailed(AppError):
    status, code, title = 422, "validation_failed", "The input is not valid"

    def __init__(self, errors: dict[str, Any], detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or "Some fields are not valid", errors=errors, **extra)


class RuleViolation(AppError):
    """A rule of the manual forbids this; ``rule`` names it (``R-CMP-6``)."""

    status, code, title = 422, "rule_violation", "A branch rule forbids this"


class TooManyAttempts(AppError):
    status, code, title = 429, "too_many_attempts", "Too many failed attempts"


class ProblemRequest(Request):
    """Request whose JSON errors are problems, not Werkzeug's HTML 400."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise InvalidJson("The request body is not valid JSON." if e is not None else "Send Content-Type: application/json.")


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_failed",
    429: "too_many_attempts",
}


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 405 and "allowed" in extra:
        resp.headers["Allow"] = ", ".join(extra["allowed"])
    if "retry_after" in extra:
        resp.headers["Retry-After"] = str(extra["retry_after"])
    return resp


def _on_app_error(e: AppError) -> Response:
    return problem(e.status, e.code, e.title, e.detail, **e.extra)


def _on_sync_error(e: SyncError) -> Response:
    return problem(e.status, e.code, e.title, e.detail, errors=e.errors, **e.extra)


def _on_validation_error(e: ValidationError) -> Response:
    return problem(422, "validation_failed", ValidationFailed.title, "Some fields are not valid", errors=e.messages)


def _on_http_exception(e: HTTPException) -> Response:
    status = e.code or 500
    code = _HTTP_CODES.get(status, "http_error" if status < 500 else "server_error")
    extra: dict[str, Any] = {}
    if status == 405 and getattr(e, "valid_methods", None):
        extra["allowed"] = sorted(e.valid_methods)  # type: ignore[attr-defined]
    detail = e.description or e.name
    if status == 404:
        detail = f"No resource at {request.path}."
    return problem(status, code, e.name, detail, **extra)


def _on_pool_timeout(e: PoolTimeout) -> Response:
    """No database connection free within ``db_pool_timeout_seconds``: the host is saturated
    (a burst of re-polls, a slow database). Shed the request with a hint when to come back,
    as the client does for any 503 (docs/sync-protocol.md), instead of a 500 (#16)."""
    db.session.rollback()
    retry_ms = current_app.extensions["settings"].sync_retry_after_ms
    log.warning("database pool exhausted request_id=%s path=%s", request_id(), request.path)
    return problem(503, "busy", "Server busy", "The server has no database connection free; try again shortly.",
                   retry_after=max(1, retry_ms // 1000), retry_after_ms=retry_ms)


def _on_unhandled(e: Exception) -> Response:
    db.session.rollback()
    rid = request_id()
    log.exception("unhandled error request_id=%s method=%s path=%s", rid, request.method, request.path)
    return problem(500, "server_error", "Internal server error", "Something went wrong on our side; it was logged.", request_id=rid)


def _open_request() -> None:
    g.request_id = uuid.uuid4().hex


def request_id() -> str:
    """This request's id (made when the request opened; made now if it failed before)."""
    if "request_id" not in g:
        _open_request()
    return g.request_id


def _close_request(response: Response) -> Response:
    """Every answer names its request (``X-Request-Id``): a 500's body gives the same id,
    which the log line of the failure carries, so a report leads to the traceback."""
    response.headers["X-Request-Id"] = request_id()
    return response


def init_app(app: Flask) -> None:
    """Install the handlers (Flask dispatches on the exception's MRO) and the request id."""
    app.before_request(_open_request)
    app.after_request(_close_request)
    app.request_class = ProblemRequest
    app.register_error_handler(AppError, _on_app_error)
    app.register_error_handler(SyncError, _on_sync_error)
    app.register_error_handler(ValidationError, _on_validation_error)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(PoolTimeout, _on_pool_timeout)
    app.register_error_handler(Exception, _on_unhandled)
