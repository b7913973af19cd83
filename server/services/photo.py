"""Content-addressed, resumable, verified photo upload for incidents (R-SEC-4).

``PUT /api/photos/<sha256>`` stores bytes whose SHA-256 is the name. A whole body, or
``Content-Range: bytes <first>-<last>/<total>`` chunks appended to a partial upload
(``HEAD`` reports how many bytes are kept, so a client resumes after a dropped
connection). When the bytes are complete they are checked — size (``photo_max_bytes``),
digest, and content (JPEG, PNG or WebP that Pillow verifies) — then stored, and every
incident referencing the digest learns its photo arrived (and is re-published to pulls).
Storing the same photo again is a no-op.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from PIL import Image
from sqlalchemy.exc import IntegrityError

from ..errors import AppError, BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models.incident import Photo
from ..models.org import Staff
from ..rules import incident as IR
from ..rules import permissions as P
from ..sync_setup import record_put
from . import incident as incident_service
from . import suggestion as suggestion_service
from .photo_store import OffsetBeyondEnd, photo_store

#: Pillow format -> MIME type of the photos accepted.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: Content-Type headers a PUT may carry (chunks may be plain octets).
ACCEPTED_HEADERS = frozenset(FORMATS.values()) | {"application/octet-stream"}
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class PhotoTooLarge(AppError):
    status, code, title = 413, "too_large", "The photo is too large"


class UnsupportedPhotoType(AppError):
    status, code, title = 415, "unsupported_media_type", "Not a photo type this server accepts"


class NotAnImage(AppError):
    status, code, title = 422, "not_an_image", "The bytes are not a JPEG, PNG or WebP image"


class DigestMismatch(AppError):
    status, code, title = 422, "digest_mismatch", "The bytes do not hash to the name"


@dataclass(frozen=True)
class UploadState:
    """Where an upload stands: ``complete`` and how many bytes the server keeps."""

    sha256: str
    complete: bool
    received: int
    total: int | None = None
    created: bool = False

    def to_dict(self) -> dict:
        return {"sha256": self.sha256, "complete": self.complete, "received": self.received, "total": self.total}


def max_bytes() -> int:
    """The ``photo_max_bytes`` setting."""
    return current_app.extensions["settings"].photo_max_bytes


def check_name(sha256: str) -> None:
    """422 unless ``sha256`` is 64 lowercase hex digits."""
    if not IR.is_sha256(sha256):
        raise ValidationFailed({"sha256": ["Must be a SHA-256: 64 lowercase hex digits."]})


def state(actor: Staff, sha256: str) -> UploadState:
    """How much of a photo the server keeps (``HEAD``); uploaders and viewers may ask."""
    check_name(sha256)
    photo = db.session.get(Photo, sha256)
    if photo is not None:
        return UploadState(sha256, True, photo.size, photo.size)
    if actor.role not in P.PHOTO_UPLOADERS:
        raise Forbidden("Your role does not upload photos.")
    return UploadState(sha256, False, photo_store().partial_size(sha256))


def upload(
    actor: Staff, sha256: str, body: bytes, content_type: str | None, content_range: str | None, now: datetime
) -> UploadState:
    """Store a whole photo or one chunk of it (commits when the photo completes).

    Raises 403 (role), 413 ``too_large``, 415 ``unsupported_media_type``, 400
    ``bad_content_range``, 409 ``upload_offset_mismatch`` (with ``received``: resume there),
    422 ``digest_mismatch`` / ``not_an_image`` (the partial upload is then dropped).
    """
    check_name(sha256)
    if actor.role not in P.PHOTO_UPLOADERS:
        raise Forbidden("Your role does not upload photos.")
    mime = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    if mime not in ACCEPTED_HEADERS:
        raise UnsupportedPhotoType(f"Send one of: {', '.join(sorted(ACCEPTED_HEADERS))}.")
    existing = db.session.get(Photo, sha256)
    if existing is not None:
        return UploadState(sha256, True, existing.size, existing.size)
    store = photo_store()
    if content_range is None:
        _check_total(len(body))
        return _complete(actor, sha256, body, now)
    first, last, total = _parse_range(content_range, len(body))
    _check_total(total)
    try:
        received = store.write_partial(sha256, first, body)
    except OffsetBeyondEnd as exc:
        raise Conflict(
            f"The server has {exc.received} bytes; send from there.",
            code="upload_offset_mismatch",
            received=exc.received,
        ) from None
    if received < total:
        return UploadState(sha256, False, received, total)
    data = store.read_partial(sha256)
    try:
        return _complete(actor, sha256, data, now)
    finally:
        store.discard_partial(sha256)


def _check_total(total: int) -> None:
    if total > max_bytes():
        raise PhotoTooLarge(f"Photos may be at most {max_bytes()} bytes.", max_bytes=max_bytes())


def _parse_range(header: str, length: int) -> tuple[int, int, int]:
    match = _RANGE.match(header.strip())
    if not match:
        raise BadRequest("Content-Range must be 'bytes <first>-<last>/<total>'.", code="bad_content_range")
    first, last, total = (int(x) for x in match.groups())
    if not (first <= last < total) or last - first + 1 != length:
        raise BadRequest("Content-Range does not match the body.", code="bad_content_range")
    return first, last, total


def _complete(actor: Staff, sha256: str, data: bytes, now: datetime) -> UploadState:
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DigestMismatch("The SHA-256 of the bytes is not the one in the URL.")
    mime = sniff(data)
    photo_store().put(sha256, data)
    incident_service.lock_photos(db.session, [sha256])  # a push reading this digest waits for our commit
    db.session.add(Photo(sha256=sha256, size=len(data), content_type=mime, uploaded_by=actor.id, received_at=now))
    try:
        db.session.flush()
    except IntegrityError:  # the same photo completed concurrently: same bytes, done
        db.session.rollback()
        return UploadState(sha256, True, len(data), len(data))
    for incident in incident_service.mark_photo_received(db.session, sha256, now):
        record_put("incident", incident)
    db.session.commit()
    return UploadState(sha256, True, len(data), len(data), created=True)


def sniff(data: bytes) -> str:
    """The MIME type of an accepted image, verified by Pillow; :class:`NotAnImage` otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except Exception:  # Pillow raises many types for bad bytes; all mean "not an image"
        raise NotAnImage("Pillow cannot read these bytes as an image.") from None
    if fmt not in FORMATS:
        raise NotAnImage(f"{fmt} images are not accepted; send JPEG, PNG or WebP.")
    return FORMATS[fmt]


def fetch(actor: Staff, sha256: str) -> tuple[bytes, str]:
    """A stored photo's bytes and type, for readers of a referencing incident's branch or
    of the branch's suggestion box whose session shows it (R-BOX-1)."""
    check_name(sha256)
    photo = db.session.get(Photo, sha256)
    data = photo_store().get(sha256) if photo is not None else None
    visible = incident_service.may_see_photo(actor, sha256) or suggestion_service.may_see_photo(actor, sha256)
    if photo is None or data is None or not visible:
        raise NotFound("No such photo for you.")
    return data, photo.content_type
