"""``push(role_client, mutations)`` and ``pull(role_client)`` for field-ops tests.

With the real sync engine (``app.extensions["sync_engine"]`` that is not a
:class:`LocalEngine`) they speak the wire contract: ``POST /api/sync/push`` and
``/api/sync/pull``. Until the engine lands, the ``local_sync`` fixture installs a
:class:`LocalEngine`, which applies mutations in-process the way the contract says —
role check, args schema, one savepoint per mutation, ``MutationRejected`` → rejected —
and answers pulls from the audiences the entities declare. The tests do not change when
the engine arrives.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError

from server.extensions import db
from sync.context import MutationContext, TimeAttribution
from sync.errors import MutationRejected
from sync.registry import Principal


class LocalEngine:
    """A test double of the engine: a change log in memory, audiences computed at write."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log: list[tuple[str, str, frozenset[str], dict[str, Any] | None]] = []

    def put(self, session: Any, entity: str, obj: Any) -> None:
        session.flush()
        spec = self.app.extensions["sync_registry"].get_entity(entity)
        self.log.append((entity, str(spec.id_of(obj)), frozenset(spec.audiences(obj)), spec.serialize(obj)))

    def delete(self, session: Any, entity: str, record_id: uuid.UUID) -> None:
        self.log.append((entity, str(record_id), frozenset(), None))


class _Pending:
    """Collects one mutation's puts; they reach the log only if it is applied."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []

    def put(self, session: Any, entity: str, obj: Any) -> None:
        self.items.append((entity, obj))

    def delete(self, session: Any, entity: str, record_id: uuid.UUID) -> None:
        self.items.append((entity, record_id))


def mutation(name: str, args: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """One mutation of a push (``id`` is assigned by :func:`push`)."""
    return {"name": name, "args": _jsonable(args), "at": at.isoformat() if at else None}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, uuid.UUID) else value


def _state(rc: Any) -> dict[str, Any]:
    return rc.__dict__.setdefault("_sync", {"client_id": str(uuid.uuid4()), "last_id": 0})


def _engine(rc: Any) -> Any:
    return rc.client.application.extensions.get("sync_engine")


def push(rc: Any, mutations: list[dict[str, Any]], *, sent_at: datetime | None = None) -> list[dict[str, Any]]:
    """Push ``mutations`` as ``rc``'s device; returns the results (one per mutation)."""
    app, state = rc.client.application, _state(rc)
    now = app.extensions["clock"].now()
    batch = []
    for m in mutations:
        state["last_id"] += 1
        batch.append({"id": state["last_id"], "name": m["name"], "at": m["at"] or now.isoformat(), "args": m["args"]})
    body = {"client_id": state["client_id"], "protocol": 1, "sent_at": (sent_at or now).isoformat(), "mutations": batch}
    engine = _engine(rc)
    if isinstance(engine, LocalEngine):
        return _local_push(app, engine, rc, body)
    resp = rc.post("/api/sync/push", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["results"]


def push_one(rc: Any, name: str, args: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """Push one mutation; returns its result."""
    return push(rc, [mutation(name, args, at)])[0]


def _principal(rc: Any) -> Principal:
    staff = rc.staff
    return Principal(uuid.UUID(staff["id"]), staff["role"], uuid.UUID(staff["branch_id"]) if staff["branch_id"] else None)


def _local_push(app: Any, engine: LocalEngine, rc: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    registry = app.extensions["sync_registry"]
    results = []
    with app.app_context():
        now = app.extensions["clock"].now()
        principal = _principal(rc)
        skew = now - datetime.fromisoformat(body["sent_at"])
        for m in body["mutations"]:
            results.append(_apply(registry, engine, principal, body["client_id"], m, now, skew))
        db.session.commit()
    return results


def _apply(registry, engine, principal, client_id, m, now, skew) -> dict[str, Any]:
    def rejected(code: str, message: str, **extra: Any) -> dict[str, Any]:
        return {"id": m["id"], "status": "rejected", "error": {"code": code, "message": message, **extra}}

    mutator = registry.get_mutator(m["name"])
    if mutator is None:
        return rejected("unknown_mutation", m["name"])
    if principal.role not in mutator.roles:
        return rejected("forbidden", f"{principal.role} may not {m['name']}")
    try:
        args = mutator.schema.load(m["args"])
    except ValidationError as exc:
        return rejected("invalid_args", "invalid args", errors=exc.normalized_messages())
    at = datetime.fromisoformat(m["at"])
    happened = at + skew
    times = TimeAttribution(at, now, now - skew, skew, happened, happened > now or abs(skew) > timedelta(minutes=2))
    pending = _Pending()
    savepoint = db.session.begin_nested()
    ctx = MutationContext(session=db.session, principal=principal, client_id=uuid.UUID(client_id),
                          mutation_id=m["id"], name=m["name"], times=times, now=now, emitter=pending)
    try:
        mutator.handler(ctx, args)
        db.session.flush()
    except MutationRejected as exc:
        savepoint.rollback()
        return {"id": m["id"], "status": "rejected", "error": exc.as_error()}
    savepoint.commit()
    for entity, obj in pending.items:
        engine.put(db.session, entity, obj) if not isinstance(obj, uuid.UUID) else engine.delete(db.session, entity, obj)
    return {"id": m["id"], "status": "applied"}


def pull(rc: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything ``rc``'s device holds after a full pull: ``{(entity, id): data}``."""
    engine = _engine(rc)
    if isinstance(engine, LocalEngine):
        with rc.client.application.app_context():
            scope = rc.client.application.extensions["sync_registry"].scope_for(_principal(rc))
        held: dict[tuple[str, str], dict[str, Any]] = {}
        for entity, rid, audiences, data in engine.log:
            if data is not None and audiences & scope.audiences:
                held[(entity, rid)] = data
            else:
                held.pop((entity, rid), None)
        return held
    return _http_pull(rc)


def _http_pull(rc: Any) -> dict[tuple[str, str], dict[str, Any]]:
    held: dict[tuple[str, str], dict[str, Any]] = {}
    cursor, state = None, _state(rc)
    while True:
        resp = rc.post("/api/sync/pull", json={"client_id": state["client_id"], "protocol": 1, "cursor": cursor, "limit": 500})
        assert resp.status_code == 200, resp.get_json()
        page = resp.get_json()
        if page.get("reset"):
            held.clear()
        for change in page["changes"]:
            key = (change["entity"], change["id"])
            if change["op"] == "put":
                held[key] = change["data"]
            else:
                held.pop(key, None)
        cursor = page["cursor"]
        if not page["has_more"]:
            return held


def visible(rc: Any, entity: str) -> dict[str, dict[str, Any]]:
    """The ``entity`` records ``rc``'s device holds after a full pull, by id."""
    return {rid: data for (kind, rid), data in pull(rc).items() if kind == entity}
