"""Photo bytes kept in the database: the shared store of a PostgreSQL deployment (#16).

Written only by :class:`server.services.photo_store.DatabasePhotoStore`; the ``photo``
row (who uploaded, type, size) stays the photo service's own.
"""
from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class PhotoBlob(db.Model):
    """The complete, verified bytes of one photo, by SHA-256."""

    __tablename__ = "photo_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PhotoUploadPart(db.Model):
    """The bytes received so far of an unfinished (resumable) upload."""

    __tablename__ = "photo_upload_part"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
