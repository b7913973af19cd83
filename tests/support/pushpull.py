"""``push(role_client, mutations)`` and ``pull(role_client)`` for field-ops tests.

They speak the wire contract (sync-protocol.md): ``POST /api/sync/push`` with the
envelope and rising mutation ids of one ``client_id`` per role client, and
``POST /api/sync/pull`` paged from ``cursor: null``, folded into what the device holds.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any


def mutation(name: str, args: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """One mutation of a push (``id`` is assigned by :func:`push`; ``at`` defaults to now)."""
    return {"name": name, "args": _jsonable(args), "at": at.isoformat() if at else None}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, uuid.UUID) else value


def _state(rc: Any) -> dict[str, Any]:
    # RoleClient forwards unknown attributes to the test client, so keep state in __dict__.
    return rc.__dict__.setdefault("_sync", {"client_id": str(uuid.uuid4()), "last_id": 0})


def push(rc: Any, mutations: list[dict[str, Any]], *, sent_at: datetime | None = None) -> list[dict[str, Any]]:
    """Push ``mutations`` as ``rc``'s device; returns the results (one per mutation)."""
    state = _state(rc)
    now = rc.client.application.extensions["clock"].now()
    batch = []
    for m in mutations:
        state["last_id"] += 1
        batch.append({"id": state["last_id"], "name": m["name"], "at": m["at"] or now.isoformat(), "args": m["args"]})
    body = {"client_id": state["client_id"], "protocol": 1, "sent_at": (sent_at or now).isoformat(), "mutations": batch}
    resp = rc.post("/api/sync/push", json=body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["results"]


def push_one(rc: Any, name: str, args: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """Push one mutation; returns its result."""
    return push(rc, [mutation(name, args, at)])[0]


def pull(rc: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything ``rc``'s device holds after a full pull: ``{(entity, id): data}``."""
    held: dict[tuple[str, str], dict[str, Any]] = {}
    cursor, state = None, _state(rc)
    while True:
        body = {"client_id": state["client_id"], "protocol": 1, "cursor": cursor, "limit": 500}
        resp = rc.post("/api/sync/pull", json=body)
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
