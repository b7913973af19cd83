"""Errors the sync engine raises. ``server/errors.py`` maps them to problem+json.

Two families:

* :class:`SyncError` — the *request* is refused (HTTP status != 200), nothing applied.
* :class:`MutationRejected` — one *mutation* is refused inside a 200; a handler raises it,
  the engine rolls back that mutation's savepoint, consumes its id and stores it with the
  error (sync-protocol: "rejected").
"""
from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """A sync request refused as a whole."""

    status = 400
    code = "sync_error"
    title = "Sync request refused"

    def __init__(self, detail: str = "", *, errors: dict[str, Any] | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra


class InvalidRequest(SyncError):
    status, code, title = 400, "invalid_request", "The request body is not a valid sync request"


class UnsupportedProtocol(SyncError):
    status, code, title = 400, "unsupported_protocol", "Unsupported sync protocol version"


class BadCursor(SyncError):
    status, code, title = 400, "bad_cursor", "The cursor is not one this server issued"


class ClientOwnedByOther(SyncError):
    status, code, title = 403, "client_owned_by_other", "This client_id belongs to another staff member"


class MutationGap(SyncError):
    status, code, title = 409, "mutation_gap", "Mutations are missing before this batch"


class RejectedQuotaExceeded(SyncError):
    status, code, title = 429, "rejected_quota_exceeded", "This client stored too many rejected mutations today"


class TooLarge(SyncError):
    status, code, title = 413, "too_large", "The push is too large"


class Unconfirmed(Exception):
    """A pull's :class:`~sync.page_read.Confirm` did not hold in the page's snapshot.

    Not an answer to the device: the caller asked the engine to check something it
    assumed (a remembered principal, say); it redoes the request without the
    assumption. Raised before anything is written or answered.
    """


class MutationRejected(Exception):
    """Raised by a mutation handler to reject its mutation (id consumed, stored, reported).

    ``code`` is a stable snake_case string clients switch on; ``rule`` optionally names
    the manual's rule (``"R-SEC-5"``); ``errors`` maps arg paths to messages.
    """

    def __init__(
        self, code: str, message: str, *, errors: dict[str, Any] | None = None, rule: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors
        self.rule = rule

    def as_error(self) -> dict[str, Any]:
        """The ``error`` object of a rejected result."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        if self.rule:
            body["rule"] = self.rule
        return body
