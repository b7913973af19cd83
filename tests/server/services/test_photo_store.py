"""The local photo store keeps the PhotoStore contract (R-SEC-4 photos)."""
from __future__ import annotations

import threading

import pytest

from server.services.photo_store import LocalPhotoStore, OffsetBeyondEnd

SHA = "ab" * 32


def test_put_get_exists_size(tmp_path):
    store = LocalPhotoStore(tmp_path)
    assert not store.exists(SHA) and store.get(SHA) is None and store.size(SHA) is None
    store.put(SHA, b"hello")
    store.put(SHA, b"hello")  # content-addressed: writing twice is harmless
    assert store.exists(SHA) and store.get(SHA) == b"hello" and store.size(SHA) == 5
    assert not list(tmp_path.rglob(".tmp-*"))


def test_partial_uploads_append_overwrite_and_refuse_holes(tmp_path):
    store = LocalPhotoStore(tmp_path)
    assert store.partial_size(SHA) == 0
    assert store.write_partial(SHA, 0, b"abc") == 3
    assert store.write_partial(SHA, 3, b"def") == 6
    assert store.write_partial(SHA, 2, b"CX") == 4  # a resent chunk replaces the tail
    assert store.read_partial(SHA) == b"abCX"
    with pytest.raises(OffsetBeyondEnd) as exc:
        store.write_partial(SHA, 9, b"z")
    assert exc.value.received == 4
    store.discard_partial(SHA)
    store.discard_partial(SHA)
    assert store.partial_size(SHA) == 0 and not store.exists(SHA)


def test_concurrent_chunks_never_interleave(tmp_path):
    store = LocalPhotoStore(tmp_path)
    chunk = b"x" * 200_000
    errors: list[Exception] = []

    def send() -> None:
        try:
            store.write_partial(SHA, 0, chunk)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and store.read_partial(SHA) == chunk
