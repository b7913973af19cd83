"""Session endpoints: login, logout, list and revoke (sync-protocol: Sessions)."""
from __future__ import annotations

import uuid

from flask import Response, request

from ..schemas.auth import LoginIn, LoginOut, SessionList, SessionOut, SessionQuery
from ..services import auth as auth_service
from .context import auth_required, current_auth, now
from .openapi import Blueprint, problems

bp = Blueprint("auth", __name__, url_prefix="/api")


@bp.post("/auth/login", tags=["sessions"])
@problems(401, 429)
@bp.arguments(LoginIn)
@bp.response(200, LoginOut)
def login(data: dict) -> dict:
    """Open a device session. 401 ``invalid_credentials`` / 429 ``too_many_attempts``
    (counted per account and source: send back the ``device_key`` of the last login)."""
    token, session, staff, device_key = auth_service.login(
        data["employee_no"], data["password"], data["device_label"], now(),
        device_key=data["device_key"], address=request.remote_addr,
    )
    return {"token": token, "session_id": session.id, "expires_at": session.expires_at, "staff": staff,
            "device_key": device_key}


@bp.post("/auth/logout", tags=["sessions"])
@auth_required
@bp.response(204)
def logout() -> Response:
    """Revoke the calling token."""
    auth_service.logout(current_auth(), now())
    return Response(status=204)


@bp.get("/sessions", tags=["sessions"])
@problems(403)
@auth_required
@bp.arguments(SessionQuery, location="query")
@bp.response(200, SessionList)
def sessions(args: dict) -> dict:
    """Active sessions of the caller's branch (administrator, operations manager)."""
    rows = auth_service.list_sessions(current_auth(), now(), include_revoked=args["include_revoked"])
    return {"sessions": rows}


@bp.post("/sessions/<uuid:session_id>/revoke", tags=["sessions"])
@problems(403, 404)
@auth_required
@bp.response(200, SessionOut)
def revoke(session_id: uuid.UUID) -> dict:
    """Revoke a session of the branch at once: it can neither push nor pull."""
    return auth_service.revoke(current_auth(), session_id, now())
