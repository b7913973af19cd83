"""Who uploaded a photo, and unfinished uploads (R-SEC-4, R-SEC-10, #12).

The bytes of a photo are content-addressed and stored once (:class:`~server.models.incident.Photo`,
the photo store), but a photo *belongs* to the branch and the uploader that uploaded it:
one :class:`PhotoUpload` per uploader. Only an upload in an incident's branch marks that
incident's reference received, and only the uploader learns how far an upload got.
:class:`PhotoPartial` keeps the bookkeeping of unfinished uploads, so they are bounded
per uploader and expired (the bytes themselves are the store's).
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UtcDateTime


class PhotoUpload(db.Model):
    """One uploader's complete upload of a photo, in their branch."""

    __tablename__ = "photo_upload"
    __table_args__ = (Index("ix_photo_upload_sha256_branch", "sha256", "branch_id"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    #: Bytes the uploader sent (what ``HEAD`` reports; the stored image is re-encoded).
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PhotoPartial(db.Model):
    """An unfinished upload of one uploader: counted against their bound, expired when idle."""

    __tablename__ = "photo_partial"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    @property
    def store_key(self) -> str:
        """The partial's name in the photo store: one per uploader, so two uploaders of
        the same digest never see or extend each other's bytes."""
        return partial_key(self.sha256, self.uploaded_by)


def partial_key(sha256: str, uploader: uuid.UUID) -> str:
    """The photo store's name of ``uploader``'s unfinished upload of ``sha256``: 64 hex
    digits like a photo's name (the stores key partials by such names), never one."""
    return hashlib.sha256(f"partial:{sha256}:{uploader}".encode()).hexdigest()
