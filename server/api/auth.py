"""Session endpoints: login, logout, list and revoke (sync-protocol: Sessions)."""
from __future__ import annotations

import uuid

from flask import Blueprint, Response, request

from ..schemas.auth import LoginIn, LoginOut, SessionOut
from ..services import auth as auth_service
from .context import auth_required, current_auth, load, now
from .openapi import doc

bp = Blueprint("auth", __name__, url_prefix="/api")


@bp.post("/auth/login")
@doc(body=LoginIn, response=LoginOut, errors=(401, 422, 429), tags=["sessions"])
def login() -> dict:
    """Open a device session. 401 ``invalid_credentials`` / 429 ``too_many_attempts``
    (counted per account and source: send back the ``device_key`` of the last login)."""
    data = load(LoginIn())
    token, session, staff, device_key = auth_service.login(
        data["employee_no"], data["password"], data["device_label"], now(),
        device_key=data["device_key"], address=request.remote_addr,
    )
    return LoginOut().dump({"token": token, "session_id": session.id, "expires_at": session.expires_at,
                            "staff": staff, "device_key": device_key})


@bp.post("/auth/logout")
@doc(status=204, tags=["sessions"])
@auth_required
def logout() -> Response:
    """Revoke the calling token."""
    auth_service.logout(current_auth(), now())
    return Response(status=204)


@bp.get("/sessions")
@doc(errors=(403,), tags=["sessions"])
@auth_required
def sessions() -> dict:
    """Active sessions of the caller's branch (administrator, operations manager)."""
    include = request.args.get("include_revoked", "").lower() in {"1", "true", "yes"}
    rows = auth_service.list_sessions(current_auth(), now(), include_revoked=include)
    return {"sessions": SessionOut(many=True).dump(rows)}


@bp.post("/sessions/<uuid:session_id>/revoke")
@doc(response=SessionOut, errors=(403, 404), tags=["sessions"])
@auth_required
def revoke(session_id: uuid.UUID) -> dict:
    """Revoke a session of the branch at once: it can neither push nor pull."""
    return SessionOut().dump(auth_service.revoke(current_auth(), session_id, now()))
