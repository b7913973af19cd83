"""Helpers of the field-ops PART B tests: push/pull as a role, start a shift, make photos.

``push(role_client, mutations)`` sends the contract's push body to ``POST /api/sync/push``.
Until the sync engine is merged into this branch, it runs the same registry (mutators,
roles, args schemas, handlers, one SAVEPOINT per mutation) through a small in-process
stand-in, so the handlers are exercised either way; ``pull`` likewise filters what the
handlers published by the registry's audiences and scope rule. The stand-in is test-only.
"""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from marshmallow import ValidationError

from server.extensions import db

_ids = itertools.count(1)


def has_engine(app: Any) -> bool:
    return any(r.rule == "/api/sync/push" for r in app.url_map.iter_rules())


class _Recorder:
    """Stand-in emitter: remembers what handlers published, in order."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, Any, dict | None, set[str]]] = []

    def put(self, session: Any, entity: str, obj: Any) -> None:
        from flask import current_app

        ent = current_app.extensions["sync_registry"].get_entity(entity)
        self.changes.append((entity, ent.id_of(obj), ent.serialize(obj), set(ent.audiences(obj))))

    def delete(self, session: Any, entity: str, record_id: uuid.UUID) -> None:
        self.changes.append((entity, record_id, None, set()))


def _times(at: datetime, sent_at: datetime, received_at: datetime, tolerance: timedelta = timedelta(minutes=2)):
    from sync.context import TimeAttribution

    skew = received_at - sent_at
    happened = at + skew
    reasons = tuple(r for r, bad in (("skew", abs(skew) > tolerance), ("future", happened > received_at)) if bad)
    return TimeAttribution(at, received_at, sent_at, skew, happened, bool(reasons), reasons)


def _local_push(app: Any, role_client: Any, body: dict[str, Any]) -> dict[str, Any]:
    from sync.context import MutationContext
    from sync.errors import MutationRejected
    from server.services.auth import authenticate

    recorder = app.extensions.setdefault("test_recorder", _Recorder())
    results = []
    with app.app_context():
        now = app.extensions["clock"].now()
        principal = authenticate(role_client.token, now).principal
        registry = app.extensions["sync_registry"]
        sent_at = datetime.fromisoformat(body["sent_at"])
        for m in body["mutations"]:
            mut = registry.get_mutator(m["name"])
            try:
                if mut is None:
                    raise MutationRejected("unknown_mutation", m["name"])
                if principal.role not in mut.roles:
                    raise MutationRejected("forbidden", "role may not")
                try:
                    args = mut.schema.load(m["args"])
                except ValidationError as exc:
                    raise MutationRejected("invalid_args", "bad args", errors=exc.normalized_messages()) from None
                times = _times(datetime.fromisoformat(m["at"]), sent_at, now)
                sp = db.session.begin_nested()
                ctx = MutationContext(
                    session=db.session, principal=principal, client_id=uuid.UUID(body["client_id"]),
                    mutation_id=m["id"], name=m["name"], times=times, now=now, emitter=recorder,
                )
                try:
                    mut.handler(ctx, args)
                    sp.commit()
                except BaseException:
                    sp.rollback()
                    raise
                results.append({"id": m["id"], "status": "applied"})
            except MutationRejected as exc:
                results.append({"id": m["id"], "status": "rejected", "error": exc.as_error()})
        db.session.commit()
    return {"last_mutation_id": body["mutations"][-1]["id"] if body["mutations"] else 0, "results": results}


@pytest.fixture
def push(app: Any, clock: Any) -> Any:
    """``push(role_client, [(name, args) | (name, args, at)], sent_at=None)`` -> results."""

    def send(role_client: Any, mutations: list[tuple], *, sent_at: datetime | None = None) -> list[dict[str, Any]]:
        if not hasattr(role_client, "client_id"):
            role_client.client_id, role_client.next_id = str(uuid.uuid4()), 1
        now = clock.now()
        batch = []
        for item in mutations:
            name, args = item[0], item[1]
            at = item[2] if len(item) > 2 else now
            batch.append({"id": role_client.next_id, "name": name, "at": at.isoformat(), "args": args})
            role_client.next_id += 1
        body = {
            "client_id": role_client.client_id, "protocol": 1,
            "sent_at": (sent_at or now).isoformat(), "mutations": batch,
        }
        if has_engine(app):
            resp = role_client.post("/api/sync/push", json=body)
            assert resp.status_code == 200, resp.get_json()
            return resp.get_json()["results"]
        return _local_push(app, role_client, body)["results"]

    return send


@pytest.fixture
def pull(app: Any) -> Any:
    """``pull(role_client)`` -> ``{(entity, id): data}`` of the role's whole scope."""

    def fetch(role_client: Any) -> dict[tuple[str, str], dict | None]:
        if has_engine(app):
            if not hasattr(role_client, "client_id"):
                role_client.client_id, role_client.next_id = str(uuid.uuid4()), 1
            seen: dict[tuple[str, str], dict | None] = {}
            cursor = None
            while True:
                body = {"client_id": role_client.client_id, "protocol": 1, "cursor": cursor, "limit": 500}
                resp = role_client.post("/api/sync/pull", json=body)
                assert resp.status_code == 200, resp.get_json()
                page = resp.get_json()
                for ch in page["changes"]:
                    key = (ch["entity"], str(ch["id"]))
                    if ch["op"] == "put":
                        seen[key] = ch["data"]
                    else:
                        seen.pop(key, None)
                cursor = page["cursor"]
                if not page["has_more"]:
                    return seen
        from server.services.auth import authenticate

        with app.app_context():
            principal = authenticate(role_client.token, app.extensions["clock"].now()).principal
            scope = app.extensions["sync_registry"].scope_for(principal)
        seen = {}
        for entity, rid, data, audiences in app.extensions.get("test_recorder", _Recorder()).changes:
            key = (entity, str(rid))
            if data is not None and audiences & scope.audiences:
                seen[key] = data
            else:
                seen.pop(key, None)
        return seen

    return fetch


@pytest.fixture
def on_shift(app: Any, push: Any, clock: Any) -> Any:
    """``on_shift(guard, at=None)`` starts a security shift for a guard (PART A's
    ``shift.start`` when merged, else a row of the placeholder model)."""

    def start(role_client: Any, at: datetime | None = None) -> str:
        shift_id = str(uuid.uuid4())
        at = at or clock.now() - timedelta(hours=1)
        if app.extensions["sync_registry"].get_mutator("shift.start") is not None:
            [res] = push(role_client, [("shift.start", {"shift_id": shift_id, "post": "security"}, at)])
            assert res["status"] == "applied", res
            return shift_id
        from server.models.shift import Shift

        with app.app_context():
            db.session.add(Shift(
                id=uuid.UUID(shift_id), staff_id=uuid.UUID(role_client.staff["id"]),
                branch_id=uuid.UUID(role_client.staff["branch_id"]), post="security", started_at=at,
            ))
            db.session.commit()
        return shift_id

    return start

