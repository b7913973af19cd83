"""Content-addressed, resumable, verified photo upload for incidents (R-SEC-4).

``PUT /api/photos/<sha256>`` stores bytes whose SHA-256 is the name. A whole body, or
``Content-Range: bytes <first>-<last>/<total>`` chunks appended to a partial upload
(``HEAD`` reports how many bytes are kept, so a client resumes after a dropped
connection). When the bytes are complete they are checked — size (``photo_max_bytes``),
digest, and content (JPEG, PNG or WebP that Pillow decodes) — then re-encoded so only
image data is stored (:func:`reencode`), and every incident *of the uploader's branch*
referencing the digest learns its photo arrived (and is re-published to pulls).

A photo belongs to the branch and the uploader that uploaded it (R-SEC-10, #12): each
uploader is a :class:`~server.models.photo.PhotoUpload`; ``HEAD`` and resumption see
only one's own uploads; unfinished uploads are bounded per uploader
(``photo_partial_max_per_uploader``) and expired (``photo_partial_ttl_hours``).
Storing the same photo again is a no-op.
"""
from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from flask import current_app
from PIL import Image, ImageOps, JpegImagePlugin
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import AppError, BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models.incident import Photo
from ..models.org import Staff
from ..models.photo import PhotoPartial, PhotoUpload, partial_key
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


class TooManyPartialUploads(AppError):
    status, code, title = 429, "too_many_partial_uploads", "Too many unfinished photo uploads"


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


def _own(actor: Staff, sha256: str) -> PhotoUpload | None:
    """``actor``'s upload of the photo, if any (a photo belongs to its uploaders, #12)."""
    return db.session.get(PhotoUpload, (sha256, actor.id))


def _check_uploader(actor: Staff) -> None:
    if actor.role not in P.PHOTO_UPLOADERS:
        raise Forbidden("Your role does not upload photos.")
    if actor.branch_id is None:
        raise Forbidden("Only staff of a branch upload photos.")


def state(actor: Staff, sha256: str) -> UploadState:
    """How much of *their own* upload of a photo the server keeps (``HEAD``).

    Answers only for the caller's uploads (#12): a photo someone else uploaded, anywhere,
    looks to them like one nobody did (0 bytes, incomplete).
    """
    check_name(sha256)
    _check_uploader(actor)
    own = _own(actor, sha256)
    if own is not None:
        return UploadState(sha256, True, own.size, own.size)
    return UploadState(sha256, False, photo_store().partial_size(partial_key(sha256, actor.id)))


def upload(
    actor: Staff, sha256: str, body: bytes, content_type: str | None, content_range: str | None, now: datetime
) -> UploadState:
    """Store a whole photo or one chunk of it (commits when the photo completes).

    Raises 403 (role), 413 ``too_large``, 415 ``unsupported_media_type``, 400
    ``bad_content_range``, 409 ``upload_offset_mismatch`` (with ``received``: resume there),
    429 ``too_many_partial_uploads`` (the uploader's bound of unfinished uploads),
    422 ``digest_mismatch`` / ``not_an_image`` (the partial upload is then dropped).
    Whether someone else uploaded the same bytes changes nothing in the answers.
    """
    check_name(sha256)
    _check_uploader(actor)
    mime = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    if mime not in ACCEPTED_HEADERS:
        raise UnsupportedPhotoType(f"Send one of: {', '.join(sorted(ACCEPTED_HEADERS))}.")
    existing = _own(actor, sha256)
    if existing is not None:
        return UploadState(sha256, True, existing.size, existing.size)
    if content_range is None:
        _check_total(len(body))
        return _complete(actor, sha256, body, now)
    first, last, total = _parse_range(content_range, len(body))
    _check_total(total)
    received = _write_chunk(actor, sha256, first, body, now)
    if received < total:
        return UploadState(sha256, False, received, total)
    data = photo_store().read_partial(partial_key(sha256, actor.id))
    try:
        return _complete(actor, sha256, data, now)
    except AppError:
        db.session.rollback()
        raise
    finally:
        drop_partial(actor.id, sha256)


def _write_chunk(actor: Staff, sha256: str, first: int, body: bytes, now: datetime) -> int:
    """Append a chunk to ``actor``'s unfinished upload (opened within their bound)."""
    partial = db.session.get(PhotoPartial, (sha256, actor.id))
    if partial is None:
        bound = current_app.extensions["settings"].photo_partial_max_per_uploader
        held = db.session.scalar(select(func.count()).where(PhotoPartial.uploaded_by == actor.id)) or 0
        if held >= bound:
            raise TooManyPartialUploads(
                f"You have {held} unfinished photo uploads; finish one or wait until they expire.", limit=bound
            )
        partial = PhotoPartial(sha256=sha256, uploaded_by=actor.id, received=0, started_at=now, updated_at=now)
        db.session.add(partial)
    try:
        received = photo_store().write_partial(partial.store_key, first, body)
    except OffsetBeyondEnd as exc:
        db.session.rollback()
        raise Conflict(
            f"The server has {exc.received} bytes; send from there.",
            code="upload_offset_mismatch",
            received=exc.received,
        ) from None
    partial.received, partial.updated_at = received, now
    db.session.commit()
    return received


def drop_partial(uploader: uuid.UUID, sha256: str) -> None:
    """Forget one unfinished upload: its bookkeeping row and its bytes (commits)."""
    db.session.execute(delete(PhotoPartial).where(PhotoPartial.sha256 == sha256, PhotoPartial.uploaded_by == uploader))
    db.session.commit()
    photo_store().discard_partial(partial_key(sha256, uploader))


def expire_partials(now: datetime) -> int:
    """Drop unfinished uploads idle for ``photo_partial_ttl_hours``; returns how many.

    Run by the scheduler (``photo.expire_partials``) and by ``flask photos expire-partials``;
    idempotent (a second run finds nothing).
    """
    ttl = timedelta(hours=current_app.extensions["settings"].photo_partial_ttl_hours)
    stale = db.session.execute(
        select(PhotoPartial.uploaded_by, PhotoPartial.sha256).where(PhotoPartial.updated_at < now - ttl)
    ).all()
    db.session.commit()
    for uploader, sha256 in stale:
        drop_partial(uploader, sha256)
    return len(stale)


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
    """Verify the bytes, store their image data once, record ``actor``'s upload in their
    branch and mark that branch's references received (commits)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DigestMismatch("The SHA-256 of the bytes is not the one in the URL.")
    clean, mime = reencode(data)
    for _ in range(2):  # a concurrent upload of the same photo: the second try finds its row
        stored = db.session.get(Photo, sha256)
        if stored is None:
            photo_store().put(sha256, clean)
        incident_service.lock_photos(db.session, [sha256])  # a push reading this digest waits for our commit
        if stored is None:
            db.session.add(Photo(sha256=sha256, size=len(clean), content_type=mime, uploaded_by=actor.id,
                                 received_at=now))
        db.session.add(PhotoUpload(sha256=sha256, uploaded_by=actor.id, branch_id=actor.branch_id, size=len(data),
                                   received_at=now))
        try:
            db.session.flush()
            break
        except IntegrityError:
            db.session.rollback()
            if _own(actor, sha256) is not None:  # the same uploader, twice at once
                return UploadState(sha256, True, len(data), len(data))
    else:
        raise Conflict("The photo changed while it was stored; send it again.", code="upload_conflict")
    for incident in incident_service.mark_photo_received(db.session, sha256, now, actor.branch_id):
        record_put("incident", incident)
    db.session.commit()
    return UploadState(sha256, True, len(data), len(data), created=True)


def reencode(data: bytes) -> tuple[bytes, str]:
    """The image data of ``data`` alone, and its MIME type: decoded by Pillow and encoded
    again in its own format, so nothing but pixels is stored or served (#12: a JPEG with
    HTML appended, comments, metadata, a GPS position in EXIF all go). The orientation
    EXIF asked for is applied to the pixels first.

    Raises :class:`NotAnImage` for bytes Pillow cannot decode, another format, or more
    pixels than ``photo_max_pixels``. Deterministic: the same bytes give the same image,
    so content addressing by the upload's digest still names one photo.
    """
    limit = current_app.extensions["settings"].photo_max_pixels
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            if fmt not in FORMATS:
                raise NotAnImage(f"{fmt} images are not accepted; send JPEG, PNG or WebP.")
            if img.width * img.height > limit:
                raise NotAnImage(f"Photos may have at most {limit} pixels.")
            img.load()
            upright = ImageOps.exif_transpose(img)
            # Encoders write back what ``info`` holds (comments, EXIF, XMP, text chunks):
            # keep only what the pixels need.
            upright.info = {k: v for k, v in img.info.items() if k in _PIXEL_INFO}
            out = io.BytesIO()
            upright.save(out, format=fmt, **_ENCODE[fmt](img))
    except NotAnImage:
        raise
    except Exception:  # Pillow raises many types for bad bytes; all mean "not an image"
        raise NotAnImage("Pillow cannot read these bytes as an image.") from None
    return out.getvalue(), FORMATS[fmt]


#: The ``info`` keys that are part of the pixels (a palette's transparent index).
_PIXEL_INFO = frozenset({"transparency"})

#: Encoder options per format: JPEG keeps the upload's quantisation tables (no second
#: loss of quality); WebP stays lossless when it was.
_ENCODE: dict[str, Callable[[Image.Image], dict[str, Any]]] = {
    "JPEG": lambda img: _jpeg_options(img),
    "PNG": lambda img: {},
    "WEBP": lambda img: {"lossless": True} if img.info.get("lossless") else {"quality": 90},
}


def _jpeg_options(img: Image.Image) -> dict[str, Any]:
    """The upload's own quantisation tables and chroma subsampling, when Pillow read them."""
    options: dict[str, Any] = {"qtables": img.quantization} if getattr(img, "quantization", None) else {"quality": 90}
    sampling = JpegImagePlugin.get_sampling(img)
    if sampling != -1:
        options["subsampling"] = sampling
    return options


def fetch(actor: Staff, sha256: str) -> tuple[bytes, str]:
    """A stored photo's bytes and type, for its uploaders, readers of a referencing
    incident of a branch that uploaded it (:func:`incident_service.may_see_photo`), and
    the box readers of a branch whose box session shows it (R-BOX-1)."""
    check_name(sha256)
    photo = db.session.get(Photo, sha256)
    data = photo_store().get(sha256) if photo is not None else None
    visible = incident_service.may_see_photo(actor, sha256) or suggestion_service.may_see_photo(actor, sha256)
    if photo is None or data is None or not visible:
        raise NotFound("No such photo for you.")
    return data, photo.content_type
