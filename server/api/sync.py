"""Sync endpoints: push, pull (sync-protocol v1) and the mutation log for supervisors."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, g, request

from sync import SyncError, check_size, encode_pull, load_json

from ..db_events import reads
from ..extensions import db
from ..input_gate import streams_body
from ..schemas.sync import ClientMutationPage, MutationPageIn, PullIn, PullOut, PushIn, PushOut, RejectedPage
from ..services import auth, sync_admin
from ..sync_setup import engine
from .context import (auth_required, bearer_token, current_auth, current_confirm, current_principal, now,
                      principal_required)
from .openapi import Blueprint, problems

bp = Blueprint("sync", __name__, url_prefix="/api")


def body_of(schema: type) -> dict[str, Any]:
    """The documented JSON body of push and pull. The engine parses these bodies itself
    (``sync.protocol``), so that one bad mutation rejects only that mutation."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _sync_body() -> Any:
    """The parsed JSON body, read once per request (a pull may run twice: as a remembered
    principal, then authenticated afresh; ``g`` keeps its value or its error).
    """
    if "sync_body" not in g:
        try:
            g.sync_body = (_read_body(), None)
        except SyncError as exc:
            g.sync_body = (None, exc)
    value, error = g.sync_body
    if error is not None:
        raise error
    return value


def _read_body() -> Any:
    """The parsed JSON body; over the size limit -> 413 ``too_large``, not JSON -> 400.

    A body with a ``Content-Length`` (every sync client sends one) is read straight off
    ``wsgi.input``, that many bytes: werkzeug's stream wrappers cost a tenth of an empty
    poll in-process (#3). A chunked one goes through ``get_data``, which ends it."""
    length = request.content_length
    check_size(length, current_app.extensions["settings"].max_body_bytes)
    environ = request.environ
    if length is not None and "HTTP_TRANSFER_ENCODING" not in environ:
        return load_json(environ["wsgi.input"].read(length))
    return load_json(request.get_data(cache=False))


@bp.post("/sync/push", tags=["sync"])
@problems(400, 403, 409, 413, 415)
@bp.doc(requestBody=body_of(PushIn))
@streams_body
@principal_required
@bp.response(200, PushOut)
def push() -> dict:
    """Apply a batch of mutations (one transaction; a 200 means committed)."""
    return engine().push(db.session, current_principal(), _sync_body())


@bp.post("/sync/pull", tags=["sync"])
@problems(400, 403, 413, 415)
@bp.doc(requestBody=body_of(PullIn))
@streams_body
@principal_required(confirmable=True)
@bp.response(200, PullOut)
def pull() -> Response:
    """Changes in the caller's scope after a cursor; ``wait`` makes it a long poll.

    The engine writes this answer itself (one encoding of a page of changes, #3);
    ``PullOut`` is its shape, checked against real pulls by tests/server/test_openapi.py.
    The body is read after authentication, so a refusal of it comes after a 401."""
    token = bearer_token()
    result = engine().pull(db.session, current_principal(), _sync_body(), current_confirm(), reads(db.engine),
                           recheck=lambda: auth.recheck(token, now()))
    return Response(encode_pull(result), mimetype="application/json")


@bp.get("/branches/<uuid:branch_id>/rejected-mutations", tags=["sync"])
@problems(403, 404)
@auth_required
@bp.arguments(MutationPageIn, location="query")
@bp.response(200, RejectedPage)
def rejected_mutations(args: dict, branch_id: uuid.UUID) -> dict:
    """Rejected mutations of a branch, newest first (administrator, operations manager)."""
    return sync_admin.rejected_mutations(current_auth(), branch_id, **args)


@bp.get("/sync/clients/<uuid:client_id>/mutations", tags=["sync"])
@problems(403, 404)
@auth_required
@bp.arguments(MutationPageIn, location="query")
@bp.response(200, ClientMutationPage)
def client_mutations(args: dict, client_id: uuid.UUID) -> dict:
    """One client's mutation log, newest first (administrator, operations manager)."""
    return sync_admin.client_mutations(current_auth(), client_id, **args)
