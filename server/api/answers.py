"""The JSON every REST route answers passes one gate for customer data (R-SEC-10, #12).

Records whose free text a customer-data role wrote name those fields in
``customer_text`` (:mod:`server.rules.permissions`). A caller outside the customer-data
roles receives every such record in an answer with those fields withheld, whichever
route built it: a new route cannot forget it. Pulls do the same through the feed's
``.plain`` audiences (``Entity.view``); the pull's body is built by the engine, not here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Response, g
from flask.json.provider import DefaultJSONProvider, JSONProvider

from sync import iso

from ..rules import permissions as P


class WireJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a ``datetime`` anywhere in an answer sent through the one ``iso()``
    (UTC with ``Z``), never Flask's HTTP-date default (#11). Request bodies are checked
    strictly before any view parses them (:mod:`server.input_gate`)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return iso(o)
        return DefaultJSONProvider.default(o)


class AnswerJSONProvider(JSONProvider):
    """The app's JSON provider as it was (``inner``: parsing and encoding are its), with
    the authenticated caller's view of customer text on every answer."""

    def __init__(self, app: Flask, inner: JSONProvider) -> None:
        super().__init__(app)
        self.inner = inner

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self.inner.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return self.inner.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        auth = g.get("auth")
        if auth is not None:
            args = tuple(P.text_for(auth.staff.role, arg) for arg in args)
            kwargs = {key: P.text_for(auth.staff.role, value) for key, value in kwargs.items()}
        return self.inner.response(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # the inner provider's settings (sort_keys, …)
        if name == "inner":  # not set yet: no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)


def init_app(app: Flask) -> None:
    """Answer with :class:`WireJSONProvider`, wrapped by the customer-text gate."""
    app.json = AnswerJSONProvider(app, WireJSONProvider(app))
