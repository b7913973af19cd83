"""Cursors: signed, opaque, cheap; format 1 cursors issued before keep working (#3)."""
from __future__ import annotations

import pytest
from itsdangerous import URLSafeSerializer

from sync.cursor import SALT, Cursor, CursorCodec
from sync.errors import BadCursor

SECRET = "s" * 40


def legacy_cursor(cursor: Cursor, secret: str = SECRET) -> str:
    """A cursor as the server issued it before format 2 (itsdangerous, JSON list)."""
    return URLSafeSerializer(secret, salt=SALT).dumps([cursor.protocol, cursor.seq, cursor.fingerprint])


def test_a_cursor_round_trips():
    codec = CursorCodec(SECRET)
    for cursor in (Cursor(1, 0, "abc"), Cursor(1, 2**53, "0123456789abcdef"), Cursor(0, 7, "with.dots.inside")):
        assert codec.decode(codec.encode(cursor)) == cursor


def test_a_format_1_cursor_is_still_honoured():
    codec = CursorCodec(SECRET)
    assert codec.decode(legacy_cursor(Cursor(1, 42, "fp"))) == Cursor(1, 42, "fp")


@pytest.mark.parametrize("make", [
    lambda c: c.replace(".5.", ".6."),  # the seq edited
    lambda c: c.replace(".fp.", ".fq."),  # the scope edited
    lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # the MAC edited
    lambda c: c.rpartition(".")[0],  # no MAC
    lambda c: c + "x",
    lambda c: CursorCodec("another-secret").encode(Cursor(1, 5, "fp")),
    lambda c: legacy_cursor(Cursor(1, 5, "fp"), secret="another-secret"),
    lambda c: "c2.",
    lambda c: "c2.1.5.fp.",
    lambda c: "c2.１.5.fp.x",
    lambda c: "",
    lambda c: "garbage",
    lambda c: "a.b",
    lambda c: "c2.1.5.fp.é",
    lambda c: "c2.1.5.fp.\ud800",  # JSON may carry a lone surrogate
    lambda c: "c2.1.5.\ud800." + c.rpartition(".")[2],
    lambda c: "\ud800",
])
def test_anything_not_issued_here_is_a_bad_cursor(make):
    codec = CursorCodec(SECRET)
    with pytest.raises(BadCursor):
        codec.decode(make(codec.encode(Cursor(1, 5, "fp"))))


def test_a_secret_is_required():
    with pytest.raises(ValueError):
        CursorCodec("")
