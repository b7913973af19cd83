"""Where photo bytes live: a small storage contract and two implementations.

Photos are content-addressed by SHA-256, so a stored photo never changes and writing it
twice is harmless. The ``photo_store`` setting picks :class:`LocalPhotoStore` under
``photo_dir`` (``<instance>/photos``, the embedded SQLite default: one host) or
:class:`DatabasePhotoStore` (the PostgreSQL default: every host of the database reads
every photo, #16). A deployment may put another :class:`PhotoStore` (object storage) at
``app.extensions["photo_store"]`` before the first request.

Partial uploads (resumable ``PUT`` with ``Content-Range``) are kept apart from complete
photos until their digest and content are verified.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..models.photo_store import PhotoBlob, PhotoUploadPart


class OffsetBeyondEnd(Exception):
    """A chunk would leave a hole: it starts after the ``received`` bytes kept so far."""

    def __init__(self, received: int) -> None:
        super().__init__(f"upload has {received} bytes")
        self.received = received


class PhotoStore(Protocol):
    """Storage contract of photo bytes, keyed by lowercase hex SHA-256."""

    def put(self, sha256: str, data: bytes) -> None:
        """Store complete, verified bytes (atomic: readers never see half a photo)."""

    def get(self, sha256: str) -> bytes | None:
        """The photo's bytes, or None when it is not stored."""

    def exists(self, sha256: str) -> bool:
        """True when a complete photo is stored."""

    def size(self, sha256: str) -> int | None:
        """Bytes of a complete photo, or None."""

    def partial_size(self, sha256: str) -> int:
        """Bytes received so far of an unfinished upload (0 when none)."""

    def write_partial(self, sha256: str, offset: int, data: bytes) -> int:
        """Write ``data`` at ``offset``, dropping anything after it; return the new partial
        size. Raises :class:`OffsetBeyondEnd` when ``offset`` exceeds the bytes kept
        (checked atomically with the write)."""

    def read_partial(self, sha256: str) -> bytes:
        """All bytes of an unfinished upload."""

    def discard_partial(self, sha256: str) -> None:
        """Forget an unfinished upload (no error when there is none)."""


class LocalPhotoStore:
    """:class:`PhotoStore` on a local directory: ``<root>/<ab>/<sha256>``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.partial_root = self.root / ".partial"

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _partial(self, sha256: str) -> Path:
        return self.partial_root / f"{sha256}.part"

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes | None:
        path = self._path(sha256)
        return path.read_bytes() if path.is_file() else None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        path = self._path(sha256)
        return path.stat().st_size if path.is_file() else None

    def partial_size(self, sha256: str) -> int:
        path = self._partial(sha256)
        return path.stat().st_size if path.is_file() else 0

    def write_partial(self, sha256: str, offset: int, data: bytes) -> int:
        path = self._partial(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # two chunks of one upload never interleave
            size = os.fstat(fh.fileno()).st_size
            if offset > size:
                raise OffsetBeyondEnd(size)
            fh.truncate(offset)
            fh.seek(offset)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()

    def read_partial(self, sha256: str) -> bytes:
        path = self._partial(sha256)
        return path.read_bytes() if path.is_file() else b""

    def discard_partial(self, sha256: str) -> None:
        self._partial(sha256).unlink(missing_ok=True)


class DatabasePhotoStore:
    """:class:`PhotoStore` in the database's ``photo_blob`` / ``photo_upload_part`` tables.

    Each call runs on a connection of its own and commits before it returns, outside the
    caller's transaction, as a write to disk would: bytes are content-addressed, so bytes
    stored by a request that then fails are harmless, and a chunk is kept even though its
    upload is not complete. On PostgreSQL a chunk locks its upload's row, so two chunks
    of one upload never interleave.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._blob = PhotoBlob.__table__
        self._part = PhotoUploadPart.__table__

    def put(self, sha256: str, data: bytes) -> None:
        with self.engine.connect() as conn:
            try:
                conn.execute(insert(self._blob).values(sha256=sha256, size=len(data), data=data))
                conn.commit()
            except IntegrityError:  # stored already (same name, same bytes)
                conn.rollback()

    def get(self, sha256: str) -> bytes | None:
        return self._scalar(select(self._blob.c.data).where(self._blob.c.sha256 == sha256))

    def exists(self, sha256: str) -> bool:
        return self.size(sha256) is not None

    def size(self, sha256: str) -> int | None:
        return self._scalar(select(self._blob.c.size).where(self._blob.c.sha256 == sha256))

    def partial_size(self, sha256: str) -> int:
        length = self._scalar(select(func.length(self._part.c.data)).where(self._part.c.sha256 == sha256))
        return int(length) if length is not None else 0

    def write_partial(self, sha256: str, offset: int, data: bytes) -> int:
        part = self._part
        with self.engine.connect() as conn:
            try:
                conn.execute(insert(part).values(sha256=sha256, data=b""))
                conn.commit()
            except IntegrityError:  # the upload has a row already
                conn.rollback()
            try:
                # SQLite: take the write lock before reading (PostgreSQL: the row lock).
                conn.execution_options(sqlite_begin="IMMEDIATE")
                kept = conn.execute(select(part.c.data).where(part.c.sha256 == sha256).with_for_update()).scalar_one()
                if offset > len(kept):
                    raise OffsetBeyondEnd(len(kept))
                combined = bytes(kept[:offset]) + data
                conn.execute(update(part).where(part.c.sha256 == sha256).values(data=combined))
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            return len(combined)

    def read_partial(self, sha256: str) -> bytes:
        data = self._scalar(select(self._part.c.data).where(self._part.c.sha256 == sha256))
        return bytes(data) if data is not None else b""

    def discard_partial(self, sha256: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(delete(self._part).where(self._part.c.sha256 == sha256))
            conn.commit()

    def _scalar(self, statement: object) -> object:
        with self.engine.connect() as conn:
            value = conn.execute(statement).scalar()
            conn.commit()
        return bytes(value) if isinstance(value, memoryview) else value


def photo_store() -> PhotoStore:
    """The app's photo store, made on first use from the ``photo_store`` setting."""
    store = current_app.extensions.get("photo_store")
    if store is None:
        settings = current_app.extensions["settings"]
        if settings.photo_store == "database":
            from ..extensions import db

            store = DatabasePhotoStore(db.engine)
        else:
            store = LocalPhotoStore(settings.photo_dir)
        current_app.extensions["photo_store"] = store
    return store
