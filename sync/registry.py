"""What the domain hands the engine: mutators, entities and the scope rule.

The engine is domain-agnostic (Kinto's core, Replicache's mutator map): the app
registers at start-up, in ``server/sync_handlers``:

* a :class:`Mutator` per mutation name — args schema, roles allowed, handler;
* an :class:`Entity` per pulled record kind — how a record is serialised and which
  *audiences* may see it;
* a scope resolver — which audiences one :class:`Principal` reads.

Visibility is decided when a record is written: each record carries a set of audience
keys (opaque strings such as ``"<branch_id>/patrol"``) and a pull selects
``audience IN scope.audiences`` in SQL. When a record's audiences shrink, the engine
writes a delete for the audiences it left, so rows leaving a scope reach the device as
deletes (R-SEC-10).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from marshmallow import Schema


@dataclass(frozen=True)
class Principal:
    """Who is syncing: resolved by the app from the bearer token before the engine runs."""

    staff_id: uuid.UUID
    role: str
    branch_id: uuid.UUID | None
    session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Scope:
    """The audiences a principal reads. ``fingerprint`` changes iff the scope does,
    and a cursor made under another fingerprint triggers ``reset``."""

    audiences: frozenset[str]
    fingerprint: str


#: ``handler(ctx, args)``: ``ctx`` is a :class:`sync.context.MutationContext` (which
#: imports this module, not the other way round).
Handler = Callable[[Any, dict[str, Any]], Any]
#: ``prefetch(session, principal, [loaded args, …]) -> state``: see :class:`Mutator`.
Prefetch = Callable[[Any, Principal, list[dict[str, Any]]], Any]
#: ``flush(session, state)``: writes what a segment's handlers deferred; see :class:`Mutator`.
BatchFlush = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Mutator:
    """A named mutation: ``handler(ctx, args)`` runs inside the mutation's savepoint.

    ``args`` are what ``schema.load`` returned. ``schema.load`` must be pure (no
    database, no clock): the engine loads a push's args before it takes the write lock.
    The handler raises :class:`sync.errors.MutationRejected` to reject; anything it puts
    through ``ctx.put``/``ctx.delete`` reaches pulls when the push commits.

    ``prefetch`` (optional) is the batch capability. The engine applies a push in
    *optimistic runs* (one SAVEPOINT for many mutations). For each stretch of a run in
    which only this mutator's handlers run, or those of mutators naming the very same
    ``prefetch`` and ``flush`` (a *segment*: a case opened, promised and resolved, a
    shift ended and the next started), the engine flushes the session and calls
    ``prefetch(session, principal, [args, …])`` once with the loaded args of every
    mutation of the segment, in order; the handlers of the segment then find its return
    value in ``ctx.prefetched`` and may

    * answer from it what they would otherwise query per mutation (one ``SELECT … IN``
      instead of one per mutation); the state is the handler's to keep current within
      the segment (e.g. add the id it just created), nothing else writes in between;
    * leave ORM writes unflushed: the engine flushes at the end of the segment, inside
      the run's SAVEPOINT;
    * defer other writes into the state, for the optional ``flush(session, state)`` to
      write at once (one ``executemany``): the engine calls it with the state at the end
      of the segment, before it flushes the session.

    Any failure of a flush or of ``prefetch`` rolls the whole run back and replays it
    *carefully*: one SAVEPOINT per mutation and ``ctx.prefetched is None``, where the
    handler queries and flushes as it would without a prefetch. A database constraint
    must therefore back every decision taken from the state that a concurrent writer
    could invalidate (the primary key behind "already exists"). A handler that raises
    (a rejection too) also sends its run back to the careful replay, so one push may
    run a handler twice: only the careful outcome counts. Without ``prefetch``,
    ``ctx.prefetched`` is always ``None``. Either way the engine flushes the session
    whenever the segment changes, so no mutator is handed another's deferred writes
    unless they share the prepare step that keeps them.
    """

    name: str
    schema: Schema
    handler: Handler
    roles: frozenset[str]
    summary: str = ""
    rejection_codes: tuple[str, ...] = ()
    prefetch: Prefetch | None = None
    flush: BatchFlush | None = None


@dataclass(frozen=True)
class Entity:
    """A kind of record a pull carries.

    ``serialize(obj)`` returns the JSON-able ``data`` of a put; ``audiences(obj)`` the
    audience keys that may see it (an empty set hides it from everyone).

    ``view(audience, data)`` (optional) returns what one audience receives of ``data``:
    the domain withholds fields from some audiences this way (the same record, fewer
    fields). Returning ``data`` itself means "all of it"; the engine serialises each
    distinct view once.
    """

    name: str
    serialize: Callable[[Any], dict[str, Any]]
    audiences: Callable[[Any], Iterable[str]]
    id_of: Callable[[Any], uuid.UUID] = field(default=lambda obj: obj.id)
    summary: str = ""
    view: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None


ScopeResolver = Callable[[Principal], Scope]


class Registry:
    """Mutators, entities and the scope resolver of one app."""

    def __init__(self) -> None:
        self.mutators: dict[str, Mutator] = {}
        self.entities: dict[str, Entity] = {}
        self._scope_resolver: ScopeResolver | None = None

    def add_mutator(self, mutator: Mutator) -> Mutator:
        """Register ``mutator``; a second registration of one name is a bug."""
        if mutator.name in self.mutators:
            raise ValueError(f"mutator {mutator.name!r} registered twice")
        self.mutators[mutator.name] = mutator
        return mutator

    def mutator(
        self,
        name: str,
        *,
        schema: Schema,
        roles: Iterable[str],
        summary: str = "",
        rejection_codes: Iterable[str] = (),
        prefetch: Prefetch | None = None,
        flush: BatchFlush | None = None,
    ) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add_mutator` (``prefetch``, ``flush``: see :class:`Mutator`)."""

        def decorate(handler: Handler) -> Handler:
            self.add_mutator(
                Mutator(
                    name=name,
                    schema=schema,
                    handler=handler,
                    roles=frozenset(roles),
                    summary=summary or (handler.__doc__ or "").strip().split("\n")[0],
                    rejection_codes=tuple(rejection_codes),
                    prefetch=prefetch,
                    flush=flush,
                )
            )
            return handler

        return decorate

    def add_entity(self, entity: Entity) -> Entity:
        """Register ``entity``; names are unique."""
        if entity.name in self.entities:
            raise ValueError(f"entity {entity.name!r} registered twice")
        self.entities[entity.name] = entity
        return entity

    def set_scope_resolver(self, resolver: ScopeResolver) -> None:
        """Set the function that maps a principal to the audiences it reads."""
        self._scope_resolver = resolver

    @property
    def scope_resolver(self) -> ScopeResolver | None:
        """The resolver set by :meth:`set_scope_resolver` (to wrap it), or ``None``."""
        return self._scope_resolver

    def scope_for(self, principal: Principal) -> Scope:
        """The principal's scope; raises ``RuntimeError`` if the app registered none."""
        if self._scope_resolver is None:
            raise RuntimeError("no scope resolver registered")
        return self._scope_resolver(principal)

    def get_mutator(self, name: str) -> Mutator | None:
        """The mutator named ``name``, or ``None`` (the engine rejects ``unknown_mutation``)."""
        return self.mutators.get(name)

    def get_entity(self, name: str) -> Entity:
        """The entity named ``name``; ``KeyError`` if it was never registered (a bug)."""
        try:
            return self.entities[name]
        except KeyError:
            raise KeyError(f"entity {name!r} is not registered") from None
