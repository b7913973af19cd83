"""The input gate: every JSON body and every query value pass here before a view (#12).

One ``before_request`` hook, so a new endpoint cannot forget it:

* a body is at most ``max_body_bytes`` (``Content-Length`` or chunked alike: a chunked
  body is read to one byte past the limit) -> 413 ``too_large``;
* a body is ``application/json`` -> otherwise 415 ``unsupported_media_type``; a view that
  takes other bytes says so with :func:`raw_body` and checks its media types itself;
* a JSON body is parsed strictly (:mod:`sync.strict_json`: depth, repeated keys, lone
  surrogates, NUL, non-finite numbers) -> 400 ``invalid_json`` naming the path. Views
  marked :func:`streams_body` (sync push and pull) parse it themselves with the same parser,
  so that one refused mutation is rejected alone;
* a query value or the path holds no NUL, a path's ``<int:…>`` fits 64 bits -> 422
  ``validation_failed``.

What a schema then loads is bounded by :func:`checked` (``server/api`` loads through it):
integers fit 64 bits, dates lie in the years the engine accepts.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, TypeVar

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider

from sync import strict_json
from sync.types import iso

from .errors import AppError, InvalidJson, ProblemRequest, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_MEDIA_TYPE = "application/json"


class TooLarge(AppError):
    status, code, title = 413, "too_large", "The body is too large"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported_media_type", "Send the body as application/json"


class StrictJSONProvider(DefaultJSONProvider):
    """The app's JSON: what ``request.get_json`` parses with is :func:`sync.strict_json.loads`;
    a ``datetime`` anywhere in an answer goes out through the one ``iso()`` (UTC with ``Z``),
    never Flask's HTTP-date default (#11)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_json.loads(s)

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return iso(o)
        return DefaultJSONProvider.default(o)


class GatedRequest(ProblemRequest):
    """A request whose JSON refusals name what and where."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, strict_json.JsonRefused) and e.reason != "not_json":
            raise InvalidJson(str(e), reason=e.reason, errors=e.errors())
        return super().on_json_loading_failed(e)


def raw_body(max_bytes: Callable[[Any], int]) -> Callable[[F], F]:
    """Mark a view that takes a non-JSON body of at most ``max_bytes(settings)`` bytes."""

    def mark(view: F) -> F:
        view._raw_body_limit = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def streams_body(view: F) -> F:
    """Mark a JSON view that parses its own body with :mod:`sync.strict_json`."""
    view._streams_body = True  # type: ignore[attr-defined]
    return view


def checked(loaded: Any) -> Any:
    """``loaded`` (what a schema returned) if every value fits what the server can store
    and compute with; 422 ``validation_failed`` otherwise (see :func:`strict_json.check_loaded`)."""
    errors = strict_json.check_loaded(loaded)
    if errors:
        raise ValidationFailed(errors)
    return loaded


def _has_nul_query() -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "\x00" in request.path:
        errors["_path"] = [strict_json.REASONS["nul"]]
    for key, values in request.args.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            errors[strict_json.path_text((key,))] = [strict_json.REASONS["nul"]]
    return errors


def _check_size(limit: int) -> bool:
    """Whether the request has a body; raises :class:`TooLarge` past ``limit``.

    A body with a ``Content-Length`` is judged by it and left unread (sync push reads it
    straight off ``wsgi.input``). One without (chunked) is read, to one byte past the
    limit and no further, and kept for the view."""
    length = request.content_length  # None when chunked
    if length is not None:
        if length > limit:
            raise TooLarge(f"The body is {length} bytes; the limit is {limit}.", max_bytes=limit)
        return length > 0
    request.max_content_length = limit + 1
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise TooLarge(f"The body is over the limit of {limit} bytes.", max_bytes=limit)
    request.max_content_length = limit
    return bool(data)


def gate() -> None:
    """The ``before_request`` hook (see the module docstring)."""
    errors = _has_nul_query()
    errors.update(strict_json.check_loaded(request.view_args or {}))  # <int:year> = 2**64
    if errors:
        raise ValidationFailed(errors)
    if request.method not in BODY_METHODS or request.endpoint is None:
        return  # no body to read, or routing answers 404/405 itself
    view = current_app.view_functions[request.endpoint]
    settings = current_app.extensions["settings"]
    raw_limit = getattr(view, "_raw_body_limit", None)
    if not _check_size(settings.max_body_bytes if raw_limit is None else raw_limit(settings)):
        return
    if raw_limit is not None:
        return
    if request.mimetype != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"This endpoint takes {JSON_MEDIA_TYPE}, not {request.mimetype or 'a body without a type'}.")
    if not getattr(view, "_streams_body", False):
        request.get_json()  # cached for the view; a refusal raises here


def init_app(app: Flask) -> None:
    """Install the gate. Call after ``errors.init_app`` and before the blueprints."""
    app.request_class = GatedRequest
    app.json = StrictJSONProvider(app)
    app.before_request(gate)
