"""What a mutation handler is given: the session, who, when, and a way to emit changes."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .registry import Principal

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class TimeAttribution:
    """When a mutation's effects happened (sync-protocol "Time attribution").

    ``skew = received_at - sent_at`` of the push; ``happened_at = device_at + skew``;
    ``clock_suspect`` when |skew| exceeds the tolerance, when ``device_at`` runs backwards
    against the client's previous mutation, or when ``happened_at`` lies in the future.
    ``suspect_reasons`` names which (``skew``, ``backwards``, ``future``).
    """

    device_at: datetime
    received_at: datetime
    sent_at: datetime
    skew: timedelta
    happened_at: datetime
    clock_suspect: bool
    suspect_reasons: tuple[str, ...] = ()


class MutationContext:
    """Handed to every mutation handler; valid only while the handler runs.

    Handlers write through ``session`` (already inside the mutation's SAVEPOINT) and
    report every record they create, change or delete with :meth:`put` / :meth:`delete`
    so pulls see it. Derived rows (obligations, alerts) are updated the same way, in the
    same transaction.

    ``prefetched`` is what the mutator's ``prefetch`` returned for the segment this
    mutation belongs to, or ``None`` (no ``prefetch``, or the careful replay): then the
    handler reads what it needs itself and flushes its writes (see
    :class:`sync.registry.Mutator`).
    """

    def __init__(
        self,
        *,
        session: "Session",
        principal: "Principal",
        client_id: uuid.UUID,
        mutation_id: int,
        name: str,
        times: TimeAttribution,
        now: datetime,
        emitter: Any,
        prefetched: Any = None,
    ) -> None:
        self.session = session
        self.principal = principal
        self.client_id = client_id
        self.mutation_id = mutation_id
        self.name = name
        self.times = times
        self.now = now
        self._emitter = emitter
        self.prefetched = prefetched

    def put(self, entity: str, obj: Any, *, created: bool = False) -> None:
        """Record that ``obj`` (of registered ``entity``) was created or changed.

        ``created=True`` promises the record did not exist before this transaction (its
        id was just checked free): the feed then skips reading the record's old rows.
        """
        self._emitter.put(self.session, entity, obj, created=created)

    def delete(self, entity: str, record_id: uuid.UUID) -> None:
        """Record that the record ``record_id`` of ``entity`` was deleted (tombstone)."""
        self._emitter.delete(self.session, entity, record_id)
