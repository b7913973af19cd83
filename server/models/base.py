"""Shared column helpers: UUID keys, UTC times, and the time attribution of records."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sync import iso, TimeAttribution, UtcDateTime

__all__ = ["UtcDateTime", "uuid_pk", "AttributedTimes", "EndTimes", "iso", "time_columns", "times_dict"]


def uuid_pk() -> Mapped[uuid.UUID]:
    """A UUID primary key; records devices create get theirs from the device."""
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class AttributedTimes:
    """Mixin: the times of a record made by a mutation (sync-protocol "Time attribution").

    Compliance judges by ``happened_at``; ``received_at`` says when the server learnt of
    it, so a patrol done at 10:05 and synced at 12:30 met its hour (R-SEC-5).
    """

    device_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    skew_ms: Mapped[int] = mapped_column(Integer, default=0)
    happened_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    clock_suspect: Mapped[bool] = mapped_column(Boolean, default=False)

    def stamp(self, times: TimeAttribution) -> None:
        """Copy a mutation's time attribution onto this record."""
        for name, value in time_columns(times).items():
            setattr(self, name, value)

    def times_dict(self) -> dict[str, Any]:
        """The time fields as a pull or the API shows them."""
        return times_dict(self)


def time_columns(times: TimeAttribution) -> dict[str, Any]:
    """A mutation's time attribution as the column values of :class:`AttributedTimes`."""
    return {
        "device_at": times.device_at,
        "received_at": times.received_at,
        "skew_ms": int(times.skew.total_seconds() * 1000),
        "happened_at": times.happened_at,
        "clock_suspect": times.clock_suspect,
    }


class EndTimes(NamedTuple):
    """The time attribution of a record's ending mutation (``end_times``, same keys)."""

    device_at: datetime | None
    received_at: datetime | None
    skew_ms: int | None
    happened_at: datetime | None
    clock_suspect: bool


def times_dict(record: Any) -> dict[str, Any]:
    """The time fields of ``record`` (an :class:`AttributedTimes` or plain values with
    the same attributes) as a pull or the API shows them."""
    return {
        "device_at": iso(record.device_at),
        "received_at": iso(record.received_at),
        "skew_ms": record.skew_ms,
        "happened_at": iso(record.happened_at),
        "clock_suspect": record.clock_suspect,
    }
