"""``push(role_client, mutations)`` and ``pull(role_client)`` for the features' tests,
over the one client (:func:`tests.support.device.device_of`).

They speak the wire contract (sync-protocol.md): ``POST /api/sync/push`` with the
envelope and rising mutation ids of one ``client_id`` per role client, and
``POST /api/sync/pull`` paged to the end, folded into what the device holds.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tests.support.device import device_of


def mutation(name: str, args: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """One mutation of a push (``id`` is assigned by :func:`push`; ``at`` defaults to now)."""
    return {"name": name, "args": _jsonable(args), "at": at.isoformat() if at else None}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, uuid.UUID) else value


def push(rc: Any, mutations: list[dict[str, Any]], *, sent_at: datetime | None = None) -> list[dict[str, Any]]:
    """Push ``mutations`` as ``rc``'s device; returns the results (one per mutation)."""
    device = device_of(rc)
    batch = [device.mutation(m["name"], m["args"], m["at"]) for m in mutations]
    return device.push(*batch, sent_at=sent_at)["results"]


def push_one(rc: Any, name: str, args: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """Push one mutation; returns its result."""
    return push(rc, [mutation(name, args, at)])[0]


def pull(rc: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything ``rc``'s device holds after pulling to the end: ``{(entity, id): data}``."""
    device = device_of(rc)
    device.sync()
    return dict(device.copy)


def visible(rc: Any, entity: str) -> dict[str, dict[str, Any]]:
    """The ``entity`` records ``rc``'s device holds after a full pull, by id."""
    return {rid: data for (kind, rid), data in pull(rc).items() if kind == entity}
