"""Fixtures of the sync engine tests: the note domain and a ``Device`` that syncs."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sync_testing import install_notes

from tests.support.device import Device


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


class NoteDevice(Device):
    """A :class:`~tests.support.device.Device` with the note domain's helpers."""

    def note(self, text: str = "hello", tags: list[str] | None = None, note_id: Any = None, **kw: Any) -> dict:
        args = {"note_id": str(note_id or uuid.uuid4()), "text": text, "tags": tags or ["public"]}
        return self.mutation("note.put", args, **kw)

    def notes(self) -> dict[str, Any]:
        return {k[1]: v for k, v in self.copy.items() if k[0] == "note"}


@pytest.fixture
def device(notes: Any, as_role: Any, clock: Any) -> Any:
    """``device("guard")`` -> a :class:`Device` of the first demo guard."""

    def make(role: str, index: int = 0, client_id: uuid.UUID | None = None) -> Device:
        return NoteDevice(as_role(role, index), clock, client_id)

    return make


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
