"""The JSON every REST route answers passes one gate for customer data (R-SEC-10, #12).

Records whose free text a customer-data role wrote name those fields in
``customer_text`` (:mod:`server.rules.permissions`). A caller outside the customer-data
roles receives every such record in an answer with those fields withheld, whichever
route built it: a new route cannot forget it. Pulls do the same through the feed's
``.plain`` audiences (``Entity.view``); the pull's body is built by the engine, not here.
"""
from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.json.provider import DefaultJSONProvider

from ..rules import permissions as P


class AnswerJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with the authenticated caller's view of customer text."""

    def response(self, *args: Any, **kwargs: Any) -> Response:
        auth = g.get("auth")
        if auth is not None:
            args = tuple(P.text_for(auth.staff.role, arg) for arg in args)
            kwargs = {key: P.text_for(auth.staff.role, value) for key, value in kwargs.items()}
        return super().response(*args, **kwargs)
