"""Helpers of the field-ops PART B tests: push/pull through the real sync engine as a role,
and start a guard's shift."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest



def _client_of(role_client: Any) -> None:
    if not hasattr(role_client, "client_id"):
        role_client.client_id, role_client.next_id = str(uuid.uuid4()), 1


@pytest.fixture
def push(clock: Any) -> Any:
    """``push(role_client, [(name, args) | (name, args, at)], sent_at=None)`` -> results.

    Sends the contract's body (``client_id``, ``protocol: 1``, ``sent_at``, numbered
    ``mutations``) to ``POST /api/sync/push``; each role client keeps one client id.
    """

    def send(role_client: Any, mutations: list[tuple], *, sent_at: datetime | None = None) -> list[dict[str, Any]]:
        _client_of(role_client)
        now = clock.now()
        batch = []
        for item in mutations:
            at = item[2] if len(item) > 2 else now
            batch.append({"id": role_client.next_id, "name": item[0], "at": at.isoformat(), "args": item[1]})
            role_client.next_id += 1
        body = {
            "client_id": role_client.client_id, "protocol": 1,
            "sent_at": (sent_at or now).isoformat(), "mutations": batch,
        }
        resp = role_client.post("/api/sync/push", json=body)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["results"]

    return send


@pytest.fixture
def pull() -> Any:
    """``pull(role_client)`` -> ``{(entity, id): data}``: the role's whole scope, all pages."""

    def fetch(role_client: Any) -> dict[tuple[str, str], dict]:
        _client_of(role_client)
        seen: dict[tuple[str, str], dict] = {}
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

    return fetch


@pytest.fixture
def on_shift(push: Any, clock: Any) -> Any:
    """``on_shift(guard, at=None)`` starts a security shift through ``shift.start``."""

    def start(role_client: Any, at: datetime | None = None) -> str:
        shift_id = str(uuid.uuid4())
        [res] = push(role_client, [("shift.start", {"shift_id": shift_id, "post": "security"}, at or clock.now() - timedelta(hours=1))])
        assert res["status"] == "applied", res
        return shift_id

    return start


@pytest.fixture
def off_shift(push: Any) -> Any:
    """``off_shift(guard, shift_id, at)`` ends a shift through ``shift.end``."""

    def end(role_client: Any, shift_id: str, at: datetime) -> None:
        [res] = push(role_client, [("shift.end", {"shift_id": shift_id}, at)])
        assert res["status"] == "applied", res

    return end
