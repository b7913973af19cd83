"""Where photo bytes live: a small storage contract and its local-disk implementation.

Photos are content-addressed by SHA-256, so a stored photo never changes and writing it
twice is harmless. A deployment may put another :class:`PhotoStore` (object storage) at
``app.extensions["photo_store"]`` before the first request; by default it is a
:class:`LocalPhotoStore` under the ``photo_dir`` setting (``<instance>/photos``).

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


def photo_store() -> PhotoStore:
    """The app's photo store (made on first use from the ``photo_dir`` setting)."""
    store = current_app.extensions.get("photo_store")
    if store is None:
        store = LocalPhotoStore(current_app.extensions["settings"].photo_dir)
        current_app.extensions["photo_store"] = store
    return store
