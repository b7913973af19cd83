"""The tests' one push/pull client: a :class:`Device` speaking the wire contract."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any


class Device:
    """One install of the app for one signed-in staff member: a ``client_id``, rising
    mutation ids, a cursor and the copy of the records it holds (sync-protocol.md).

    The one push/pull client of the tests: the sync engine's tests drive it directly,
    the features' tests through :func:`device_of` (``tests/support/pushpull.py`` and the
    ``push``/``pull`` fixtures)."""

    def __init__(self, role_client: Any, clock: Any, client_id: uuid.UUID | None = None) -> None:
        self.rc, self.clock = role_client, clock
        self.client_id = client_id or uuid.uuid4()
        self.next_id = 1
        self.cursor: str | None = None
        self.copy: dict[tuple[str, str], Any] = {}

    def mutation(self, name: str, args: dict[str, Any], at: datetime | str | None = None, id: int | None = None) -> dict:
        """A mutation with the next id (or ``id``), dated ``at`` (default: now)."""
        if id is None:
            id, self.next_id = self.next_id, self.next_id + 1
        at = at or self.clock.now()
        return {"id": id, "name": name, "at": at if isinstance(at, str) else at.isoformat(), "args": args}

    def push_raw(self, mutations: list[dict], sent_at: datetime | str | None = None, **extra: Any) -> Any:
        sent_at = sent_at or self.clock.now()
        body = {"client_id": str(self.client_id), "protocol": 1,
                "sent_at": sent_at if isinstance(sent_at, str) else sent_at.isoformat(), "mutations": mutations, **extra}
        return self.rc.post("/api/sync/push", json=body)

    def push(self, *mutations: dict, sent_at: Any = None) -> dict:
        resp = self.push_raw(list(mutations), sent_at)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def pull_raw(self, cursor: Any = "keep", **extra: Any) -> Any:
        cursor = self.cursor if cursor == "keep" else cursor
        body = {"client_id": str(self.client_id), "protocol": 1, "cursor": cursor, **extra}
        return self.rc.post("/api/sync/pull", json=body)

    def pull(self, cursor: Any = "keep", **extra: Any) -> dict:
        """One pull page, applied to :attr:`copy` (reset drops the copy first)."""
        resp = self.pull_raw(cursor, **extra)
        assert resp.status_code == 200, resp.get_json()
        page = resp.get_json()
        if page["reset"]:
            self.copy.clear()
        for change in page["changes"]:
            key = (change["entity"], change["id"])
            if change["op"] == "put":
                self.copy[key] = change["data"]
            else:
                self.copy.pop(key, None)
        self.cursor = page["cursor"]
        return page

    def sync(self, **extra: Any) -> list[dict]:
        """Pull until ``has_more`` is false; returns the pages."""
        pages = [self.pull(**extra)]
        while pages[-1]["has_more"]:
            pages.append(self.pull(**extra))
        return pages


def device_of(role_client: Any) -> Device:
    """The device ``role_client`` pushes and pulls as: made on first use, one per client.

    Kept in the client's ``__dict__`` (``RoleClient`` forwards unknown attributes to the
    Flask test client)."""
    device = role_client.__dict__.get("_device")
    if device is None:
        device = role_client.__dict__["_device"] = Device(role_client, role_client.client.application.extensions["clock"])
    return device
