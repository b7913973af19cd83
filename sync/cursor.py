"""Opaque, signed pull cursors.

A cursor carries the protocol version, the last change ``seq`` the client has, and the
fingerprint of the scope it was made for, signed with the app's secret so a client can
neither forge nor edit one. The client treats it as an opaque string.

Format 2 (issued now): ``c2.<protocol>.<seq>.<fingerprint>.<mac>``, where ``mac`` is the
first 16 bytes of HMAC-SHA256 over everything before it (URL-safe base64, unpadded),
keyed by a key derived once from the secret. Every pull decodes one cursor and encodes
another, so the codec is a single C-level HMAC each way. Format 1 cursors (itsdangerous,
``<payload>.<sig>``) issued before are still verified and honoured, so devices do not
re-download their scope after an upgrade; the itsdangerous signer is built only when one
arrives.
"""
from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from typing import Any, Callable

from .errors import BadCursor

SALT = "fieldops.sync.cursor"
PREFIX = "c2."
MAC_BYTES = 16

_NOT_OURS = "The cursor is not one this server issued; pull with cursor null."


@dataclass(frozen=True)
class Cursor:
    """What a cursor says: ``protocol``, ``seq`` (changes up to it are held), ``fingerprint``."""

    protocol: int
    seq: int
    fingerprint: str


class CursorCodec:
    """Signs and checks cursors with one secret.

    ``secret`` is the secret, or a callable that returns it, called once on first use:
    a host then reads the key its database keeps only when a pull needs it, never while
    the app is built (``flask db upgrade`` builds one before the table exists).
    """

    def __init__(self, secret: str | Callable[[], str]) -> None:
        if not secret:
            raise ValueError("a cursor secret is required")
        self._source = secret
        self._secret = ""
        self._key = b""
        self._legacy: Any = None

    def _load(self) -> bytes:
        secret = self._source() if callable(self._source) else self._source
        if not secret:
            raise ValueError("a cursor secret is required")
        self._secret = secret
        self._key = hmac.digest(secret.encode("utf-8"), (SALT + ".v2").encode("ascii"), "sha256")
        return self._key

    def _mac(self, body: str) -> str:
        digest = hmac.digest(self._key or self._load(), body.encode("utf-8"), "sha256")[:MAC_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def encode(self, cursor: Cursor, *, decoded_from: str | None = None) -> str:
        """The opaque string for ``cursor`` (format 2). ``decoded_from``: a token that
        :meth:`decode` read as exactly ``cursor``; if it is of format 2 it is the answer
        (the encoding is deterministic: an empty poll signs nothing)."""
        if decoded_from is not None and decoded_from.startswith(PREFIX):
            return decoded_from
        body = f"{PREFIX}{cursor.protocol}.{cursor.seq}.{cursor.fingerprint}"
        return f"{body}.{self._mac(body)}"

    def decode(self, token: str) -> Cursor:
        """Check and read a cursor; raises :class:`BadCursor` for anything not ours."""
        if not token.startswith(PREFIX):
            return self._decode_v1(token)
        body, _, mac = token.rpartition(".")
        try:
            if not body or not hmac.compare_digest(mac.encode("utf-8"), self._mac(body).encode("ascii")):
                raise BadCursor(_NOT_OURS)
        except UnicodeError:  # a lone surrogate from JSON: not ours, and never a 500
            raise BadCursor(_NOT_OURS) from None
        fields = body[len(PREFIX):].split(".", 2)
        if len(fields) != 3 or not all(_is_digits(f) for f in fields[:2]):
            raise BadCursor(_NOT_OURS)  # signed by us, so never seen; kept so nothing answers 500
        return Cursor(protocol=int(fields[0]), seq=int(fields[1]), fingerprint=fields[2])

    def _decode_v1(self, token: str) -> Cursor:
        from itsdangerous import BadSignature, URLSafeSerializer

        if self._legacy is None:
            if not self._secret:
                self._load()
            self._legacy = URLSafeSerializer(self._secret, salt=SALT)
        try:
            value = self._legacy.loads(token)
        except (BadSignature, ValueError, TypeError, UnicodeError):
            raise BadCursor(_NOT_OURS) from None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[:2])
            or not isinstance(value[2], str)
            or value[1] < 0
        ):
            raise BadCursor(_NOT_OURS)
        return Cursor(protocol=value[0], seq=value[1], fingerprint=value[2])


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
