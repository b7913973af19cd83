"""Request helpers shared by the routes: the clock and the caller. Input is loaded by the
route's declared schema (``@bp.arguments``, :mod:`server.api.openapi`)."""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Callable, TypeVar, overload

from flask import Flask, Request, Response, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin

from sync import Confirm, Principal

from ..db_events import begin_write
from ..extensions import db
from ..services.auth import Authenticated, as_principal, authenticate

F = TypeVar("F", bound=Callable[..., Any])

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Blueprints whose services open their own transactions (the sync engine does).
OWN_TRANSACTIONS = frozenset({"sync"})


class NoCookieSessions(SessionInterface):
    """The API authenticates bearer tokens and keeps no cookie session.

    Flask's default interface builds an itsdangerous signer on every request whenever
    ``SECRET_KEY`` is set (it is, for the sync cursors): a tenth of an empty poll (#3).
    Opening none makes Flask hand out its ``NullSession``, which refuses writes.
    """

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return None

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def now() -> datetime:
    """The injected clock's now (server/clock.py)."""
    return current_app.extensions["clock"].now()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def auth_required(view: F) -> F:
    """Authenticate the bearer token (401 ``unauthenticated`` otherwise) into ``g.auth``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.auth = authenticate(bearer_token(), now())
        if request.method not in READ_METHODS and request.blueprint not in OWN_TRANSACTIONS:
            begin_write(db.session)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@overload
def principal_required(view: F) -> F: ...
@overload
def principal_required(*, confirmable: bool) -> Callable[[F], F]: ...
def principal_required(view: F | None = None, *, confirmable: bool = False) -> Any:
    """:func:`auth_required` for sync push and pull, one way for both (#17): the same
    checks on every request, but only the :class:`~sync.registry.Principal` is read
    (plain columns, no ORM entities), into ``g.principal``, through
    :func:`server.services.auth.as_principal`. The engine opens its own transactions
    (and commits before any write), so the reads before that run without one.

    ``confirmable`` (pull): a principal this process remembered is taken without
    reading its session first; ``g.confirm`` is then the :class:`~sync.Confirm` the view
    must read in its own statement (``sync.Unconfirmed`` when it does not hold: the view
    runs again, authenticated afresh; it must read its body once, ``g`` keeps it).
    Otherwise ``g.confirm`` is ``None``."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            def run(principal: Principal, confirm: Confirm | None) -> Any:
                g.principal, g.confirm = principal, confirm
                return view(*args, **kwargs)

            return as_principal(bearer_token(), now(), run, remembered=confirmable)

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def current_auth() -> Authenticated:
    return g.auth


def current_principal() -> Principal:
    """The caller of a :func:`principal_required` route."""
    return g.principal


def current_confirm() -> Confirm | None:
    """The check a :func:`principal_required` ``confirmable`` route reads in its statement."""
    return g.confirm
