"""Helpers of the sync proofs (property, many-writer and crash tests).

* :func:`install_append` adds ``note.append`` to the note domain of ``sync_testing``: it
  appends a token to a note's text, so applying a mutation twice shows in the data
  (``note.put`` is an upsert and would hide a double apply).
* :func:`make_branch` / :func:`open_session` make staff and bearer tokens straight in the
  database: a login costs an Argon2 hash (~0.7 s here), and the proofs need dozens.
* :class:`Wire` speaks push/pull to either a Flask test client or a real server.
"""
from __future__ import annotations

import http.client
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, fields
from server.extensions import db
from server.models.org import DeviceSession, Staff
from server.rules.roles import ROLES
from server.services import org
from server.services.auth import hash_token
from sync.errors import MutationRejected
from sync.registry import Mutator

import sync_testing as notes_domain
from sync_testing import Note, load_note, save_note


class NoteAppendArgs(Schema):
    note_id = fields.UUID(required=True)
    token = fields.String(required=True)


def note_append(ctx: Any, args: dict[str, Any]) -> None:
    """Append `` <token>`` to a note of the sender's branch; ``not_found`` otherwise."""
    row = load_note(ctx.session, args["note_id"])
    if row is None or row["branch_id"] != ctx.principal.branch_id:
        raise MutationRejected("not_found", "No such note.", errors={"note_id": ["Unknown note."]})
    note = Note(row["id"], row["branch_id"], f"{row['text']} {args['token']}", list(row["tags"]),
                row["happened_at"], row["clock_suspect"])
    save_note(ctx.session, note)
    ctx.put("note", note)


def install_append(app: Any) -> Any:
    """Register ``note.append`` (any role) on an app that has the note domain."""
    app.extensions["sync_registry"].add_mutator(
        Mutator("note.append", NoteAppendArgs(), note_append, frozenset(ROLES))
    )
    return app


@dataclass
class Account:
    """A staff member with an open device session."""

    staff_id: uuid.UUID
    role: str
    branch_id: uuid.UUID | None
    token: str


def open_session(staff_id: uuid.UUID, branch_id: uuid.UUID | None, now: datetime) -> str:
    """A bearer token for ``staff_id`` (in the app context; the caller commits)."""
    token = secrets.token_urlsafe(24)
    db.session.add(DeviceSession(staff_id=staff_id, branch_id=branch_id, token_hash=hash_token(token),
                                 created_at=now, last_seen_at=now, expires_at=now + timedelta(days=90)))
    return token


def make_branch(app: Any, roles: list[str], now: datetime) -> tuple[uuid.UUID, list[Account]]:
    """A fresh branch with one staff member per entry of ``roles``, each signed in once."""
    with app.app_context():
        code = "P" + uuid.uuid4().hex[:10].upper()
        branch = org.create_branch(code, f"Proof {code}", now)
        accounts = []
        for n, role in enumerate(roles):
            staff = Staff(employee_no=f"{code}-{n}", name=f"{role} {n}", role=role, branch_id=branch.id,
                          password_hash="!", active=True, created_at=now, updated_at=now)
            db.session.add(staff)
            db.session.flush()
            accounts.append(Account(staff.id, role, branch.id, open_session(staff.id, branch.id, now)))
        db.session.commit()
        return branch.id, accounts


def accounts_of(app: Any, demo: dict[str, Any], now: datetime) -> dict[str, Account]:
    """One fresh session per demo account, keyed by employee number."""
    with app.app_context():
        found = {}
        for employee_no, acc in demo["accounts"].items():
            staff_id = uuid.UUID(acc["staff_id"])
            found[employee_no] = Account(staff_id, acc["role"], uuid.UUID(demo["branch_id"]),
                                         open_session(staff_id, uuid.UUID(demo["branch_id"]), now))
        db.session.commit()
        return found


class Wire:
    """POST JSON with a bearer token to a Flask test client or to ``host:port`` over HTTP."""

    def __init__(self, token: str, *, client: Any = None, address: tuple[str, int] | None = None,
                 timeout: float = 60) -> None:
        self.token, self.client, self.address, self.timeout = token, client, address, timeout

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if self.client is not None:
            resp = self.client.post(path, data=json.dumps(body), headers=headers)
            return resp.status_code, resp.get_json()
        conn = http.client.HTTPConnection(*self.address, timeout=self.timeout)
        try:
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, json.loads(data) if data else None
        finally:
            conn.close()


def push_body(client_id: uuid.UUID, mutations: list[dict[str, Any]], sent_at: datetime) -> dict[str, Any]:
    return {"client_id": str(client_id), "protocol": 1, "sent_at": sent_at.isoformat(), "mutations": mutations}


def pull_body(client_id: uuid.UUID, cursor: str | None, limit: int, wait: float = 0) -> dict[str, Any]:
    return {"client_id": str(client_id), "protocol": 1, "cursor": cursor, "limit": limit, "wait": wait}


def apply_page(copy: dict[tuple[str, str], Any], page: dict[str, Any]) -> None:
    """Apply one pull page to a device's copy: ``reset`` drops it first; put/delete."""
    if page["reset"]:
        copy.clear()
    for change in page["changes"]:
        key = (change["entity"], change["id"])
        if change["op"] == "put":
            copy[key] = change["data"]
        else:
            copy.pop(key, None)


def full_pull(wire: Wire, client_id: uuid.UUID, limit: int = 500) -> dict[tuple[str, str], Any]:
    """A fresh snapshot (cursor null, every page) as a device would build it."""
    copy: dict[tuple[str, str], Any] = {}
    cursor = None
    while True:
        status, page = wire.post("/api/sync/pull", pull_body(client_id, cursor, limit))
        assert status == 200, page
        apply_page(copy, page)
        cursor = page["cursor"]
        if not page["has_more"]:
            return copy


def note_rows(app: Any) -> dict[str, dict[str, Any]]:
    """Every note in the database by id (text, tags, branch)."""
    with app.app_context():
        found = {str(r.id): dict(r._mapping) for r in db.session.execute(notes_domain.note_table.select())}
        db.session.rollback()
        return found
