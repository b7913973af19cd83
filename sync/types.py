"""Column types shared by the sync engine and the domain models, and the one wire format
of a time (:func:`iso`)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def iso(value: datetime | None) -> str | None:
    """A time on the wire: ISO 8601 in UTC with ``Z`` (sync-protocol "Conventions").

    The only formatter of times in answers, pulls and logs; naive values are refused.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime refused")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime column; naive values are refused, never guessed.

    SQLite stores no zone, so values are normalised to UTC on the way in and tagged
    UTC on the way out; PostgreSQL uses ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = _utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def bind_processor(self, dialect: Any) -> Callable[[Any], Any] | None:
        """On SQLite, :meth:`process_bind_param` and SQLite's own ``DATETIME`` processor
        in one step: the same text (SQLAlchemy's default storage format, which
        ``isoformat`` with microseconds spells the same way), in about half the time.

        A push binds about ten datetimes per mutation (log, record, feed): the composed
        pair was 11 % of a profiled push on SQLite, the one step is 6 %. SQLAlchemy asks subclasses to keep
        the inner processing; this one reproduces it exactly, which
        ``tests/sync/test_types.py`` checks against the composed pair, and falls back to
        it whenever the storage format is not the default one.
        """
        if dialect.name != "sqlite" or getattr(self.impl_instance.dialect_impl(dialect), "_storage_format",
                                               None) != _SQLITE_DEFAULT_FORMAT:
            return super().bind_processor(dialect)

        def process(value: Any) -> str | None:
            if value is None:
                return None
            return _utc(value).isoformat(" ", "microseconds")[:26]  # drop the "+00:00"

        return process

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


#: The text SQLAlchemy's SQLite ``DATETIME`` stores unless told otherwise.
_SQLITE_DEFAULT_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


def _utc(value: Any) -> datetime:
    """``value`` in UTC; anything but an aware datetime is refused, never guessed."""
    if not isinstance(value, datetime):
        raise TypeError(f"UtcDateTime needs a datetime, got {type(value).__name__}")
    if value.tzinfo is not timezone.utc:  # UTC already is the common case (the clock's)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        value = value.astimezone(timezone.utc)
    return value
