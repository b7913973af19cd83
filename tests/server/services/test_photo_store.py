"""Every photo store keeps the PhotoStore contract (R-SEC-4 photos, #16).

One contract suite, run on the local disk and on the database store over SQLite and
PostgreSQL (Kinto's storage tests run against every backend the same way).
"""
from __future__ import annotations

import threading

import pytest

from server.extensions import db
from server.models.photo_store import PhotoBlob, PhotoUploadPart
from server.services.photo_store import DatabasePhotoStore, LocalPhotoStore, OffsetBeyondEnd, photo_store

SHA = "ab" * 32


@pytest.fixture(params=["local", "sqlite", "postgresql"])
def store(request, tmp_path, clock):
    """A :class:`LocalPhotoStore` in a temporary folder, or a :class:`DatabasePhotoStore`
    on a fresh SQLite file or the worker's PostgreSQL database."""
    if request.param == "local":
        yield LocalPhotoStore(tmp_path)
        return
    from server import create_app

    url = f"sqlite:///{tmp_path}/s.db" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    app = create_app({"database_url": url, "testing": True, "secret_key": "s"}, clock=clock)
    with app.app_context():
        tables = [PhotoBlob.__table__, PhotoUploadPart.__table__]
        db.metadata.create_all(db.engine, tables=tables)
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(table.delete())
        yield DatabasePhotoStore(db.engine)
        db.engine.dispose()


def test_put_get_exists_size(store):
    assert not store.exists(SHA) and store.get(SHA) is None and store.size(SHA) is None
    store.put(SHA, b"hello")
    store.put(SHA, b"hello")  # content-addressed: writing twice is harmless
    assert store.exists(SHA) and store.get(SHA) == b"hello" and store.size(SHA) == 5
    assert not store.exists("cd" * 32)


def test_local_put_leaves_no_temporary_files(tmp_path):
    LocalPhotoStore(tmp_path).put(SHA, b"hello")
    assert not list(tmp_path.rglob(".tmp-*"))


def test_partial_uploads_append_overwrite_and_refuse_holes(store):
    assert store.partial_size(SHA) == 0
    assert store.write_partial(SHA, 0, b"abc") == 3
    assert store.write_partial(SHA, 3, b"def") == 6
    assert store.partial_size(SHA) == 6
    assert store.write_partial(SHA, 2, b"CX") == 4  # a resent chunk replaces the tail
    assert store.read_partial(SHA) == b"abCX"
    with pytest.raises(OffsetBeyondEnd) as exc:
        store.write_partial(SHA, 9, b"z")
    assert exc.value.received == 4
    assert store.read_partial(SHA) == b"abCX"  # the refused chunk changed nothing
    store.discard_partial(SHA)
    store.discard_partial(SHA)
    assert store.partial_size(SHA) == 0 and store.read_partial(SHA) == b"" and not store.exists(SHA)


def test_concurrent_chunks_never_interleave(store):
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


@pytest.mark.parametrize("url, setting, expected", [
    ("postgresql", None, DatabasePhotoStore),
    ("sqlite", None, LocalPhotoStore),
    ("postgresql", "local", LocalPhotoStore),
    ("sqlite", "database", DatabasePhotoStore),
])
def test_setting_picks_the_store_and_defaults_follow_the_database(request, tmp_path, url, setting, expected):
    from server import create_app

    database_url = f"sqlite:///{tmp_path}/p.db" if url == "sqlite" else "postgresql://u@127.0.0.1:1/none"
    overrides = {"database_url": database_url, "testing": True, "secret_key": "s", "photo_dir": str(tmp_path)}
    if setting:
        overrides["photo_store"] = setting
    app = create_app(overrides)
    with app.app_context():
        assert isinstance(photo_store(), expected)
        db.engine.dispose()


def test_unknown_photo_store_fails_fast(tmp_path):
    from server.config import load_settings

    with pytest.raises(RuntimeError, match="FIELDOPS_PHOTO_STORE"):
        load_settings(str(tmp_path), environ={"FIELDOPS_PHOTO_STORE": "s3-someday"})
