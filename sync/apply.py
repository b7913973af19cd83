"""Applying a push's new mutations: optimistic runs, replayed one SAVEPOINT each on failure.

Part of the engine (``SyncEngine.push`` calls :func:`prepare`, then :func:`apply_all`);
split out because it is one responsibility: turn raw mutations into outcomes and log
rows, each mutation all-or-nothing, a rejection leaving nothing but its log row
(sync-protocol "Push").
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from marshmallow import ValidationError

from . import feed, protocol, strict_json
from .batch import Batch
from .context import MutationContext, TimeAttribution
from .errors import MutationRejected
from .registry import Mutator, Principal, Registry
from .timing import attribute

log = logging.getLogger("sync.engine")

Outcome = tuple[dict[str, Any], dict[str, Any]]  # (result, log row)


class Emitter(Protocol):
    """Where handlers' ``ctx.put``/``ctx.delete`` go (the engine)."""

    def put(self, session: Any, entity: str, obj: Any, *, created: bool = False) -> None: ...

    def delete(self, session: Any, entity: str, record_id: Any) -> None: ...


@dataclass(frozen=True)
class Seams:
    """What applying a push uses, handed in by the engine (no engine import): the
    registry, the clock tolerance of its settings, the emitter of changes, the feed's seams."""

    registry: Registry
    clock_tolerance: timedelta
    emitter: Emitter
    feed: feed.Seams


@dataclass(frozen=True)
class Prepared:
    """One mutation of a push as far as it can be checked without the database.

    ``error`` is set when it is rejected before any handler runs (unknown name, role,
    ``at``, args); ``crash`` when its args schema itself raised (a bug, logged when the
    mutation is applied). Otherwise ``loaded`` holds what ``schema.load`` returned.
    ``raw_text`` is the mutation as sent, as the log keeps it.
    """

    mutation: protocol.RawMutation
    raw_text: str
    at: datetime | None
    mutator: Mutator | None
    loaded: dict[str, Any] | None
    error: MutationRejected | None
    crash: Exception | None = None


def prepare(seams: Seams, principal: Principal, mutations: list[protocol.RawMutation]) -> list[Prepared]:
    """Check name, role, ``at`` and args of each mutation; touches no database.

    The engine calls it before it takes the push's write lock, so validating a batch
    (the costliest pure step) does not hold up other writers (SQLite has one lock).
    """
    return [_prepare_one(seams, principal, mutation) for mutation in mutations]


def _prepare_one(seams: Seams, principal: Principal, mutation: protocol.RawMutation) -> Prepared:
    raw = mutation.raw
    if mutation.refused is not None:
        # Nothing of it runs; the log keeps it ASCII-escaped (no NUL, no lone surrogate reach a column).
        path, reason = mutation.refused
        return Prepared(mutation, strict_json.dumps_refused(raw), None, None, None, MutationRejected(
            "invalid_json", "This mutation holds JSON the server refuses.",
            errors={path: [strict_json.REASONS[reason]]}))
    raw_text = feed.dumps(raw)
    name, args = raw.get("name"), raw.get("args")
    at = protocol.parse_time(raw.get("at"))
    at = at.astimezone(timezone.utc) if at else None
    mutator = seams.registry.get_mutator(name) if isinstance(name, str) else None
    if mutator is None:
        error = MutationRejected("unknown_mutation", f"No mutation named {str(name)[:100]!r}.")
    elif principal.role not in mutator.roles:
        error = MutationRejected("forbidden", f"The role {principal.role!r} may not send {name!r}.")
    elif at is None:
        error = MutationRejected("invalid_at", "`at` must be an ISO 8601 time with an offset.",
                                 errors={"at": ["Not an ISO 8601 time with an offset."]})
    elif not isinstance(args, dict):
        error = MutationRejected("invalid_args", "`args` must be an object.", errors={"args": ["Expected an object."]})
    else:
        try:
            loaded = mutator.schema.load(args)
            errors = strict_json.check_loaded(loaded)
            if not errors:
                return Prepared(mutation, raw_text, at, mutator, loaded, None)
            error = MutationRejected("invalid_args", "Some args are out of range.", errors=errors)
        except ValidationError as exc:
            error = MutationRejected("invalid_args", "Some args are not valid.", errors=exc.normalized_messages())
        except Exception as exc:  # a bug in the schema: the mutation fails like a handler bug
            return Prepared(mutation, raw_text, at, mutator, None, _internal_error(), exc)
    return Prepared(mutation, raw_text, at, mutator, None, error)


def apply_all(
    seams: Seams, session: Any, principal: Principal, request: protocol.PushRequest,
    todo: list[Prepared], now: datetime, previous_at: datetime | None,
    results: list[dict[str, Any]], rows: list[dict[str, Any]],
) -> None:
    """Apply ``todo`` in order, appending each outcome to ``results`` and ``rows``.

    Optimistic: a run of mutations shares one SAVEPOINT, and handlers with a
    ``prefetch`` read once per segment and flush once at its end (see
    :class:`sync.registry.Mutator`). When a handler raises, the run rolls back and is
    replayed from its start up to that mutation with one SAVEPOINT each, exactly as if
    each had had its own all along: the failing one leaves no trace but its log row;
    then the next run starts. When a flush or a prefetch fails, the whole run is
    replayed that way (which mutation caused it is unknown).
    """
    batch = feed.pending(session, seams.feed)
    start = 0
    while start < len(todo):
        mark = batch.mark()
        savepoint = session.begin_nested()
        done, failed = _optimistic_run(seams, session, principal, request, todo, start, now, previous_at)
        if failed is None:
            savepoint.commit()
        else:
            savepoint.rollback()  # also when a failed flush deactivated it (is_active is False then)
            batch.restore(mark)
            done = _careful_run(seams, session, principal, request, todo[start:failed + 1], now, previous_at)
        for prepared, (result, row) in zip(todo[start:], done):
            if prepared.crash is not None:
                log.error("mutation %s #%s of client %s failed in its args schema", row["name"],
                          prepared.mutation.id, request.client_id, exc_info=prepared.crash)
            results.append(result)
            rows.append(row)
            previous_at = row["at"] or previous_at
        start += len(done)


def _optimistic_run(
    seams: Seams, session: Any, principal: Principal, request: protocol.PushRequest,
    todo: list[Prepared], start: int, now: datetime, previous_at: datetime | None,
) -> tuple[list[Outcome], int | None]:
    """Apply ``todo[start:]`` under the caller's SAVEPOINT.

    Returns ``(outcomes, None)`` when every handler ran and every write flushed, or
    ``(_, k)`` when mutations ``start..k`` must be replayed carefully: ``k`` is the one
    whose handler raised, or the last of ``todo`` when a flush or a prefetch failed.
    """
    done: list[Outcome] = []
    segment: Mutator | None = None  # the first mutator of the segment running since the last flush
    state: Any = None
    run = Batch()  # work the segments' batches deferred, done once for the run
    try:
        for k in range(start, len(todo)):
            prepared = todo[k]
            times = _times(seams, request, prepared, now, previous_at)
            error = prepared.error
            if error is None:
                assert prepared.mutator is not None and times is not None
                if segment is None or _segment_key(prepared.mutator) != _segment_key(segment):
                    _end_segment(session, segment, state, run)  # its deferred writes, before anyone reads
                    segment = prepared.mutator
                    if segment.prefetch is None and run.has_later:
                        run.store(session)  # a handler without a batch may read what that work writes
                    state = _prefetch(session, principal, segment, todo, k)
                ctx = _context(seams, session, principal, request, prepared, times, now, state)
                try:
                    prepared.mutator.handler(ctx, prepared.loaded)
                except Exception:
                    return done, k
            done.append(_outcome(seams, principal, request, prepared, times, now, error))
            previous_at = prepared.at or previous_at
        _end_segment(session, segment, state, run)
        run.store(session)
    except Exception:
        log.debug("an optimistic run of client %s failed outside its handlers; replaying it",
                  request.client_id, exc_info=True)
        return done, len(todo) - 1
    return done, None


def _prefetch(session: Any, principal: Principal, mutator: Mutator, todo: list[Prepared], k: int) -> Any:
    """The state ``mutator.prefetch`` reads for the segment starting at ``k`` (``None``
    without one). A prefetch that raises is a bug: logged, and the run goes careful."""
    if mutator.prefetch is None:
        return None
    try:
        return mutator.prefetch(session, principal, _segment_args(todo, k))
    except Exception:
        log.warning("prefetch of %s failed; its run is replayed one mutation at a time", mutator.name,
                    exc_info=True)
        raise


def _end_segment(session: Any, mutator: Mutator | None, state: Any, run: Batch) -> None:
    """Write what the segment's handlers deferred: the mutator's ``flush`` (or, for a
    :class:`sync.batch.Batch`, its rows; its deferred work goes to the ``run``'s), then
    the session's."""
    if mutator is not None and state is not None:
        if mutator.flush is not None:
            mutator.flush(session, state)
        elif isinstance(state, Batch):
            state.store(session, later_into=run)
    session.flush()


def _segment_key(mutator: Mutator) -> Any:
    """What makes mutations one segment: one prepare step (the same ``prefetch`` and
    ``flush``), shared by the mutators that name it; a mutator without one is its own."""
    return mutator.name if mutator.prefetch is None else (mutator.prefetch, mutator.flush)


def _segment_args(todo: list[Prepared], k: int) -> list[dict[str, Any]]:
    """Loaded args of the segment starting at ``k``: the mutations up to the next one
    whose handler runs and is another segment's (rejected ones run no handler)."""
    assert todo[k].mutator is not None
    key = _segment_key(todo[k].mutator)
    args: list[dict[str, Any]] = []
    for prepared in todo[k:]:
        if prepared.error is None:
            assert prepared.mutator is not None
            if _segment_key(prepared.mutator) != key:
                break
            assert prepared.loaded is not None
            args.append(prepared.loaded)
    return args


def _careful_run(
    seams: Seams, session: Any, principal: Principal, request: protocol.PushRequest,
    todo: list[Prepared], now: datetime, previous_at: datetime | None,
) -> list[Outcome]:
    """Apply ``todo`` one SAVEPOINT each, without prefetch: the reference semantics."""
    done: list[Outcome] = []
    for prepared in todo:
        times = _times(seams, request, prepared, now, previous_at)
        error = prepared.error
        if error is None:
            assert times is not None
            error = _careful_one(seams, session, prepared, _context(seams, session, principal, request, prepared, times, now, None))
        done.append(_outcome(seams, principal, request, prepared, times, now, error))
        previous_at = prepared.at or previous_at
    return done


def _careful_one(seams: Seams, session: Any, prepared: Prepared, ctx: MutationContext) -> MutationRejected | None:
    """Run one handler in its own SAVEPOINT; a failure rolls back to it and becomes a rejection."""
    assert prepared.mutator is not None and prepared.loaded is not None
    batch = feed.pending(session, seams.feed)
    mark = batch.mark()
    try:
        with session.begin_nested():
            prepared.mutator.handler(ctx, prepared.loaded)
        return None
    except MutationRejected as exc:
        batch.restore(mark)
        return exc
    except Exception:
        batch.restore(mark)
        log.exception("mutation %s #%s of client %s failed in its handler", ctx.name, ctx.mutation_id, ctx.client_id)
        return _internal_error()


def _internal_error() -> MutationRejected:
    return MutationRejected("internal_error", "The server failed to apply this mutation; it was logged.")


def _times(seams: Seams, request: protocol.PushRequest, prepared: Prepared, now: datetime,
           previous_at: datetime | None) -> TimeAttribution | None:
    if prepared.at is None:
        return None
    return attribute(prepared.at, sent_at=request.sent_at.astimezone(timezone.utc), received_at=now,
                     previous_at=previous_at, tolerance=seams.clock_tolerance)


def _context(seams: Seams, session: Any, principal: Principal, request: protocol.PushRequest,
             prepared: Prepared, times: TimeAttribution, now: datetime, prefetched: Any) -> MutationContext:
    return MutationContext(session=session, principal=principal, client_id=request.client_id,
                           mutation_id=prepared.mutation.id, name=prepared.mutation.raw["name"], times=times,
                           now=now, emitter=seams.emitter, prefetched=prefetched)


def _outcome(
    seams: Seams, principal: Principal, request: protocol.PushRequest, prepared: Prepared,
    times: TimeAttribution | None, now: datetime, error: MutationRejected | None,
) -> Outcome:
    """The mutation's result (answered and kept) and its log row."""
    raw = prepared.mutation.raw
    name, args = raw.get("name"), raw.get("args")
    if prepared.mutation.refused is not None:
        name, args = (name if isinstance(name, str) and name.isprintable() and name.isascii() else None), None
    result: dict[str, Any] = {"id": prepared.mutation.id, "status": "applied" if error is None else "rejected"}
    if error is not None:
        result["error"] = error.as_error()
    skew = now - request.sent_at
    row = {
        "client_id": request.client_id, "mutation_id": prepared.mutation.id,
        "name": name[:200] if isinstance(name, str) and "\x00" not in name else None,
        "args": args if isinstance(args, dict) else None, "raw": prepared.raw_text, "at": prepared.at,
        "status": result["status"], "error": result.get("error"), "result": result,
        "staff_id": principal.staff_id, "branch_id": principal.branch_id, "session_id": principal.session_id,
        "received_at": now, "sent_at": request.sent_at, "skew_ms": int(skew / timedelta(milliseconds=1)),
        "happened_at": times.happened_at if times else None,
        "clock_suspect": times.clock_suspect if times else abs(skew) > seams.clock_tolerance,
    }
    return result, row
