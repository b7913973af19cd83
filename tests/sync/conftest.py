"""Fixtures of the sync engine tests: the note domain and a ``Device`` that syncs."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sync_testing import install_notes


@pytest.fixture
def notes(app: Any) -> Any:
    """The app with the test-only note domain installed."""
    return install_notes(app)


class Bearer:
    """A test client sending one token (like the root conftest's ``RoleClient``)."""

    def __init__(self, client: Any, token: str, staff: dict[str, Any]) -> None:
        self.client, self.token, self.staff = client, token, staff
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.post(*args, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.get(*args, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


def signed_in(client: Any, employee_no: str, password: str) -> Bearer:
    """Log in and return a :class:`Bearer` for that account."""
    resp = client.post("/api/auth/login", json={"employee_no": employee_no, "password": password})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    return Bearer(client, body["token"], body["staff"])


class Device:
    """One install of the app for one signed-in staff member: a client_id and an outbox."""

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

    def note(self, text: str = "hello", tags: list[str] | None = None, note_id: Any = None, **kw: Any) -> dict:
        args = {"note_id": str(note_id or uuid.uuid4()), "text": text, "tags": tags or ["public"]}
        return self.mutation("note.put", args, **kw)

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

    def notes(self) -> dict[str, Any]:
        return {k[1]: v for k, v in self.copy.items() if k[0] == "note"}


@pytest.fixture
def device(notes: Any, as_role: Any, clock: Any) -> Any:
    """``device("guard")`` -> a :class:`Device` of the first demo guard."""

    def make(role: str, index: int = 0, client_id: uuid.UUID | None = None) -> Device:
        return Device(as_role(role, index), clock, client_id)

    return make


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
