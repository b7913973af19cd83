"""``/api/photos/<sha256>``: content-addressed, idempotent, resumable, verified (R-SEC-4)."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from tests.support.helpers import make_image, sha


@pytest.fixture
def guard(as_role):
    return as_role("guard")


def big_png() -> bytes:
    """A real PNG over 1 MiB (the app-wide body limit), under the photo limit."""
    img = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=0)
    data = buf.getvalue()
    assert len(data) > 1024 * 1024
    return data


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.tobytes()


def test_r_sec_4_upload_is_idempotent(guard):
    data = make_image("PNG")
    url = f"/api/photos/{sha(data)}"
    resp = guard.put(url, data=data, content_type="image/png")
    assert resp.status_code == 201 and resp.get_json()["complete"] is True
    again = guard.put(url, data=data, content_type="image/png")
    assert again.status_code == 200 and again.get_json() == resp.get_json()
    got = guard.get(url)  # the uploader may read it back
    assert got.status_code == 200 and got.data == data and got.mimetype == "image/png"


@pytest.mark.parametrize("fmt, mime", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_r_sec_4_accepted_types(guard, fmt, mime):
    data = make_image(fmt)
    assert guard.put(f"/api/photos/{sha(data)}", data=data, content_type=mime).status_code == 201


def test_r_sec_4_photo_larger_than_the_push_limit_is_accepted(guard):
    data = big_png()
    assert guard.put(f"/api/photos/{sha(data)}", data=data, content_type="image/png").status_code == 201


def test_r_sec_4_resumable_upload(guard):
    """A dropped connection resumes where the server's HEAD says the bytes end."""
    data = big_png()
    url, total, step = f"/api/photos/{sha(data)}", len(data), 400_000
    assert guard.head(url).status_code == 404
    first = guard.put(url, data=data[:step], content_type="application/octet-stream",
                      headers={"Content-Range": f"bytes 0-{step - 1}/{total}"})
    assert first.status_code == 202 and first.get_json()["received"] == step
    head = guard.head(url)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(step)
    assert head.headers["Upload-Complete"] == "?0"
    # a chunk that skips ahead is refused with where to resume
    gap = guard.put(url, data=data[step + 10:step + 20], headers={"Content-Range": f"bytes {step + 10}-{step + 19}/{total}"})
    assert gap.status_code == 409 and gap.get_json()["received"] == step
    offset = int(head.headers["Upload-Offset"])
    while offset < total:
        end = min(offset + step, total)
        resp = guard.put(url, data=data[offset:end], headers={"Content-Range": f"bytes {offset}-{end - 1}/{total}"})
        offset = resp.get_json()["received"]
    assert resp.status_code == 201
    head = guard.head(url)
    assert head.headers["Upload-Complete"] == "?1" and head.headers["Upload-Offset"] == str(total)
    assert pixels(guard.get(url).data) == pixels(data)  # the image, re-encoded (#12)


def test_r_sec_4_resent_chunk_overwrites(guard):
    data = make_image("PNG", size=(200, 200))
    url, total, half = f"/api/photos/{sha(data)}", len(data), len(data) // 2
    guard.put(url, data=data[:half], headers={"Content-Range": f"bytes 0-{half - 1}/{total}"})
    guard.put(url, data=data[:half], headers={"Content-Range": f"bytes 0-{half - 1}/{total}"})
    resp = guard.put(url, data=data[half:], headers={"Content-Range": f"bytes {half}-{total - 1}/{total}"})
    assert resp.status_code == 201


def test_r_sec_4_wrong_digest_is_refused(guard):
    data = make_image()
    resp = guard.put(f"/api/photos/{sha(b'other')}", data=data, content_type="image/jpeg")
    assert resp.status_code == 422 and resp.get_json()["code"] == "digest_mismatch"
    assert resp.mimetype == "application/problem+json"


def test_r_sec_4_wrong_digest_after_chunks_drops_the_partial(guard):
    data = make_image("PNG", size=(100, 100))
    url, total = f"/api/photos/{sha(b'x')}", len(data)
    resp = guard.put(url, data=data, headers={"Content-Range": f"bytes 0-{total - 1}/{total}"})
    assert resp.get_json()["code"] == "digest_mismatch"
    assert guard.head(url).status_code == 404


@pytest.mark.parametrize("body", [b"not an image at all", make_image("GIF"), make_image()[:200]])
def test_r_sec_4_non_images_are_refused(guard, body):
    resp = guard.put(f"/api/photos/{sha(body)}", data=body, content_type="application/octet-stream")
    assert resp.status_code == 422 and resp.get_json()["code"] == "not_an_image"


def test_r_sec_4_unsupported_content_type(guard):
    data = make_image("GIF")
    resp = guard.put(f"/api/photos/{sha(data)}", data=data, content_type="image/gif")
    assert resp.status_code == 415 and resp.get_json()["code"] == "unsupported_media_type"


def test_r_sec_4_bad_name_and_range(guard):
    data = make_image()
    assert guard.put("/api/photos/ABC", data=data).status_code == 422
    resp = guard.put(f"/api/photos/{sha(data)}", data=data, headers={"Content-Range": "bytes 0-1/2"})
    assert resp.status_code == 400 and resp.get_json()["code"] == "bad_content_range"


class TestTooLarge:
    @pytest.fixture
    def app_overrides(self):
        return {"photo_max_bytes": 2000}

    def test_r_sec_4_too_large_whole(self, guard):
        data = os.urandom(5000)
        resp = guard.put(f"/api/photos/{sha(data)}", data=data, content_type="image/png")
        assert resp.status_code == 413 and resp.get_json()["code"] == "too_large"

    def test_r_sec_4_too_large_declared_total(self, guard):
        resp = guard.put(f"/api/photos/{'a' * 64}", data=b"x" * 100, headers={"Content-Range": "bytes 0-99/5000"})
        assert resp.status_code == 413 and resp.get_json()["code"] == "too_large"


def test_r_sec_4_photo_routes_need_a_token(client, demo):
    url = f"/api/photos/{'a' * 64}"
    for method in ("put", "get", "head"):
        assert getattr(client, method)(url).status_code == 401


@pytest.mark.parametrize("role", ["cleaner", "onsite", "teller"])
def test_r_sec_4_roles_that_report_no_incidents_upload_no_photos(as_role, role):
    data = make_image()
    assert as_role(role).put(f"/api/photos/{sha(data)}", data=data, content_type="image/jpeg").status_code == 403


def test_r_sec_4_unreferenced_photo_is_private_to_its_uploader(as_role):
    data = make_image(seed=9)
    as_role("guard").put(f"/api/photos/{sha(data)}", data=data, content_type="image/jpeg")
    assert as_role("operations_manager").get(f"/api/photos/{sha(data)}").status_code == 404
    assert as_role("guard", index=1).get(f"/api/photos/{sha(data)}").status_code == 404
    assert as_role("guard").get(f"/api/photos/{'b' * 64}").status_code == 404
