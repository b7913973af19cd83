"""Incident photos (R-SEC-4): content-addressed, resumable, verified upload; download.

``PUT /api/photos/<sha256>`` — whole body, or ``Content-Range: bytes a-b/total`` chunks;
201 when stored, 200 when it already was, 202 with ``received`` while incomplete.
``HEAD`` — ``Upload-Offset`` (bytes kept) and ``Upload-Complete`` (``?1``/``?0``) of the
caller's own upload only.
``GET`` — the image data (re-encoded at upload), for its uploaders and readers of a
referencing incident of a branch that uploaded it; ``nosniff``, ``Content-Disposition``.
"""
from __future__ import annotations

from flask import Response, request

from ..input_gate import raw_body
from ..schemas.incident import UploadOut
from ..services import photo as photo_service
from .context import auth_required, current_auth, now
from .openapi import Blueprint, problems

bp = Blueprint("photos", __name__, url_prefix="/api")


@bp.put("/photos/<sha256>", tags=["photos"])
@problems(400, 403, 409, 413, 415, 422)
@raw_body(lambda settings: settings.photo_max_bytes)
@auth_required
@bp.response(201, UploadOut, description="Stored (200: it already was; 202: incomplete, ``received`` bytes kept)")
@bp.alt_response(200, schema=UploadOut, description="Already stored")
@bp.alt_response(202, schema=UploadOut, description="A chunk kept; send the rest")
def put_photo(sha256: str) -> tuple[dict, int]:
    """Store a photo or a chunk of one (see the module docstring)."""
    # The app-wide limit is the push limit (1 MiB); a photo may be larger.
    request.max_content_length = photo_service.max_bytes()
    if request.content_length is not None and request.content_length > photo_service.max_bytes():
        raise photo_service.PhotoTooLarge(f"Photos may be at most {photo_service.max_bytes()} bytes.")
    result = photo_service.upload(
        current_auth().staff, sha256, request.get_data(cache=False), request.content_type,
        request.headers.get("Content-Range"), now(),
    )
    status = 201 if result.created else 200 if result.complete else 202
    return result.to_dict(), status


@bp.route("/photos/<sha256>", methods=["GET", "HEAD"], tags=["photos"])
@problems(403, 404, 422)
@auth_required
@bp.response(200, description="The image (``image/jpeg`` or ``image/png``); HEAD: ``Upload-Offset``, ``Upload-Complete``")
def get_photo(sha256: str) -> Response:
    """GET the bytes; HEAD how much of an upload the server keeps."""
    if request.method == "HEAD":
        state = photo_service.state(current_auth().staff, sha256)
        resp = Response(status=200 if state.complete or state.received else 404)
        resp.headers["Upload-Offset"] = str(state.received)
        resp.headers["Upload-Complete"] = "?1" if state.complete else "?0"
        return resp
    data, mime = photo_service.fetch(current_auth().staff, sha256)
    resp = Response(data, mimetype=mime)
    resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    # Served as what it is and never as a page (#12): no sniffing, a download when opened
    # on its own, and a sandbox if a browser renders it anyway.
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Disposition"] = f'attachment; filename="{sha256}.{mime.split("/")[1]}"'
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp
