"""Plain factories shared by the tests: ids, local times, images and their digests."""
from __future__ import annotations

import hashlib
import io
import uuid

from PIL import Image


def make_image(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A small real image; ``seed`` varies the pixels so digests differ."""
    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, 120))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())


def local(h: int, m: int = 0, day: tuple[int, int, int] = (2026, 11, 28)):
    """An aware datetime at ``h:m`` Asia/Shanghai on the reference day (the demo's zone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(*day, h, m, tzinfo=ZoneInfo("Asia/Shanghai"))
