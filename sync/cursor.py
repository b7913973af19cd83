"""Opaque, signed pull cursors.

A cursor carries the protocol version, the last change ``seq`` the client has, and the
fingerprint of the scope it was made for, signed with the app's secret (HMAC, via
itsdangerous) so a client can neither forge nor edit one. The client treats it as an
opaque string.
"""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from .errors import BadCursor

SALT = "fieldops.sync.cursor"


@dataclass(frozen=True)
class Cursor:
    """What a cursor says: ``protocol``, ``seq`` (changes up to it are held), ``fingerprint``."""

    protocol: int
    seq: int
    fingerprint: str


class CursorCodec:
    """Signs and checks cursors with one secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a cursor secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)

    def encode(self, cursor: Cursor) -> str:
        """The opaque string for ``cursor``."""
        return self._serializer.dumps([cursor.protocol, cursor.seq, cursor.fingerprint])

    def decode(self, token: str) -> Cursor:
        """Check and read a cursor; raises :class:`BadCursor` for anything not ours."""
        try:
            value = self._serializer.loads(token)
        except (BadSignature, ValueError, TypeError, UnicodeError):
            raise BadCursor("The cursor is not one this server issued; pull with cursor null.") from None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[:2])
            or not isinstance(value[2], str)
            or value[1] < 0
        ):
            raise BadCursor("The cursor is not one this server issued; pull with cursor null.")
        return Cursor(protocol=value[0], seq=value[1], fingerprint=value[2])
