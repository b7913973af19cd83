"""Applying a push's new mutations: optimistic runs, replayed one SAVEPOINT each on failure.

Part of the engine (``SyncEngine.push`` calls :func:`apply_all`); split out because it
is one responsibility: turn raw mutations into outcomes and log rows, each mutation
all-or-nothing, a rejection leaving nothing but its log row (sync-protocol "Push").
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError

from . import feed, protocol
from .context import MutationContext
from .errors import MutationRejected
from .registry import Principal
from .timing import attribute

if TYPE_CHECKING:  # pragma: no cover
    from .engine import SyncEngine

log = logging.getLogger("sync.engine")

_RETRY = object()  # an optimistic handler raised: replay its run with a SAVEPOINT each


def apply_all(
    engine: "SyncEngine", session: Any, principal: Principal, request: protocol.PushRequest,
    todo: list[protocol.RawMutation], now: datetime, previous_at: datetime | None,
    results: list[dict[str, Any]], rows: list[dict[str, Any]],
) -> None:
    """Apply ``todo`` in order, appending each outcome to ``results`` and ``rows``.

    Optimistic: a run of mutations shares one SAVEPOINT (two statements a mutation
    fewer). When a handler raises, the run rolls back to it and is replayed from its
    start with one SAVEPOINT per mutation, exactly as if each had had its own all
    along: the failing one leaves no trace but its log row; then the next run starts.
    """
    batch = feed.pending(session, engine)
    start = 0
    while start < len(todo):
        mark = batch.mark()
        savepoint = session.begin_nested()
        done: list[tuple[dict[str, Any], dict[str, Any]]] = []
        prev, failed = previous_at, None
        for k in range(start, len(todo)):
            outcome = apply_one(engine, session, principal, request, todo[k], now, prev, optimistic=True)
            if outcome is None:
                failed = k
                break
            done.append(outcome)
            prev = outcome[1]["at"] or prev
        if failed is None:
            savepoint.commit()
            end = len(todo)
        else:
            if savepoint.is_active:
                savepoint.rollback()
            batch.restore(mark)
            done, prev = [], previous_at
            for k in range(start, failed + 1):
                outcome = apply_one(engine, session, principal, request, todo[k], now, prev)
                assert outcome is not None
                done.append(outcome)
                prev = outcome[1]["at"] or prev
            end = failed + 1
        for result, row in done:
            results.append(result)
            rows.append(row)
        previous_at, start = prev, end

def apply_one(
    engine: "SyncEngine", session: Any, principal: Principal, request: protocol.PushRequest, mutation: protocol.RawMutation,
    now: datetime, previous_at: datetime | None, optimistic: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(result, log row)``; ``None`` when ``optimistic`` and the handler raised."""
    raw = mutation.raw
    name, args = raw.get("name"), raw.get("args")
    at = protocol.parse_time(raw.get("at"))
    at = at.astimezone(timezone.utc) if at else None
    times = None
    if at is not None:
        times = attribute(at, sent_at=request.sent_at.astimezone(timezone.utc), received_at=now,
                          previous_at=previous_at, tolerance=engine.settings.clock_tolerance)
    mutator = engine.registry.get_mutator(name) if isinstance(name, str) else None
    error: MutationRejected | None = None
    if mutator is None:
        error = MutationRejected("unknown_mutation", f"No mutation named {str(name)[:100]!r}.")
    elif principal.role not in mutator.roles:
        error = MutationRejected("forbidden", f"The role {principal.role!r} may not send {name!r}.")
    elif times is None:
        error = MutationRejected("invalid_at", "`at` must be an ISO 8601 time with an offset.",
                                 errors={"at": ["Not an ISO 8601 time with an offset."]})
    elif not isinstance(args, dict):
        error = MutationRejected("invalid_args", "`args` must be an object.", errors={"args": ["Expected an object."]})
    else:
        ctx = MutationContext(session=session, principal=principal, client_id=request.client_id,
                              mutation_id=mutation.id, name=name, times=times, now=now, emitter=engine)
        error = _run(engine, session, mutator, ctx, args, optimistic=optimistic)
        if error is _RETRY:
            return None
    result: dict[str, Any] = {"id": mutation.id, "status": "applied" if error is None else "rejected"}
    if error is not None:
        result["error"] = error.as_error()
    skew = now - request.sent_at
    row = {
        "client_id": request.client_id, "mutation_id": mutation.id,
        "name": name[:200] if isinstance(name, str) and "\x00" not in name else None,
        "args": args if isinstance(args, dict) else None, "raw": feed.dumps(raw), "at": at,
        "status": result["status"], "error": result.get("error"), "result": result,
        "staff_id": principal.staff_id, "branch_id": principal.branch_id, "session_id": principal.session_id,
        "received_at": now, "sent_at": request.sent_at, "skew_ms": int(skew / timedelta(milliseconds=1)),
        "happened_at": times.happened_at if times else None,
        "clock_suspect": times.clock_suspect if times else abs(skew) > engine.settings.clock_tolerance,
    }
    return result, row

def _run(engine: "SyncEngine", session: Any, mutator: Any, ctx: MutationContext, args: dict[str, Any], *,
         optimistic: bool = False) -> Any:
    """Run one handler in a SAVEPOINT; a failure rolls back to it and becomes a rejection.

    ``optimistic``: no SAVEPOINT of its own (the caller holds one for the run); any
    exception of the handler returns ``_RETRY`` and the caller replays the run.
    """
    if optimistic:
        try:
            loaded = mutator.schema.load(args)
        except ValidationError as exc:
            return MutationRejected("invalid_args", "Some args are not valid.", errors=exc.normalized_messages())
        except Exception:
            return _RETRY
        try:
            mutator.handler(ctx, loaded)
        except Exception:
            return _RETRY
        return None
    batch = feed.pending(session, engine)
    mark = batch.mark()
    try:
        try:
            loaded = mutator.schema.load(args)
        except ValidationError as exc:
            return MutationRejected("invalid_args", "Some args are not valid.", errors=exc.normalized_messages())
        with session.begin_nested():
            mutator.handler(ctx, loaded)
        return None
    except MutationRejected as exc:
        batch.restore(mark)
        return exc
    except Exception:
        batch.restore(mark)
        log.exception("mutation %s #%s of client %s failed in its handler", ctx.name, ctx.mutation_id, ctx.client_id)
        return MutationRejected("internal_error", "The server failed to apply this mutation; it was logged.")
