"""A tiny domain for sync engine tests: notes, their mutators, entity and scope.

Independent of the field-ops domain, so engine tests (and later property, many-writer,
crash and benchmark tests) can run before it exists. Use :func:`install_notes` on an app
made by ``create_app`` (or :func:`make_notes_app`), then push ``note.put`` mutations.

* ``note.put`` ``{note_id, text, tags}`` — any role; creates or replaces the note.
  ``text == "boom"`` raises ``RuntimeError`` (``internal_error``); ``text == "reject"``
  raises ``MutationRejected("note_rejected", rule="R-TEST-1")`` after writing, so the
  savepoint must undo the write. ``text == "slow"`` sleeps 0.3 s inside the handler.
* ``note.delete`` ``{note_id}`` — any role.
* ``note.secret`` ``{note_id, text}`` — lobby managers only (``forbidden`` otherwise).

A note's audiences are ``"<branch>/note/<tag>"`` per tag. Every role reads ``public``;
roles that may hold customer data also read ``customer`` (mirrors R-SEC-10).
"""
from __future__ import annotations

import contextlib
import time
import uuid
from datetime import datetime
from typing import Any, Iterator

from marshmallow import Schema, fields
from sqlalchemy import JSON, Boolean, Column, MetaData, String, Table, Uuid, delete, event, select, text

from server.extensions import db
from server.rules.roles import CUSTOMER_DATA_ROLES, ROLES
from sync.errors import MutationRejected
from sync.registry import Entity, Mutator, Principal, Scope
from sync.types import UtcDateTime

meta = MetaData()
note_table = Table(
    "sync_test_note",
    meta,
    Column("id", Uuid, primary_key=True),
    Column("branch_id", Uuid, nullable=True),
    Column("text", String(500), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("happened_at", UtcDateTime, nullable=True),
    Column("clock_suspect", Boolean, nullable=False, default=False),
)


class Note:
    """A plain object the entity serialises (the engine never sees the table)."""

    def __init__(self, id: uuid.UUID, branch_id: uuid.UUID | None, text: str, tags: list[str],
                 happened_at: datetime | None = None, clock_suspect: bool = False) -> None:
        self.id, self.branch_id, self.text, self.tags = id, branch_id, text, tags
        self.happened_at, self.clock_suspect = happened_at, clock_suspect

    def to_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "text": self.text, "tags": sorted(self.tags)}


def note_audiences(note: Note) -> set[str]:
    return {f"{note.branch_id}/note/{tag}" for tag in note.tags}


def readable_tags(role: str) -> tuple[str, ...]:
    return ("customer", "public") if role in CUSTOMER_DATA_ROLES else ("public",)


class NotePutArgs(Schema):
    note_id = fields.UUID(required=True)
    text = fields.String(required=True)
    tags = fields.List(fields.String(), load_default=lambda: ["public"])


class NoteIdArgs(Schema):
    note_id = fields.UUID(required=True)


class NoteSecretArgs(Schema):
    note_id = fields.UUID(required=True)
    text = fields.String(required=True)


def save_note(session: Any, note: Note) -> None:
    """Upsert a note row (plain Core, like any domain service would do with its models)."""
    session.execute(delete(note_table).where(note_table.c.id == note.id))
    session.execute(note_table.insert().values(
        id=note.id, branch_id=note.branch_id, text=note.text, tags=note.tags,
        happened_at=note.happened_at, clock_suspect=note.clock_suspect,
    ))


def load_note(session: Any, note_id: uuid.UUID) -> dict[str, Any] | None:
    row = session.execute(select(note_table).where(note_table.c.id == note_id)).first()
    return dict(row._mapping) if row else None


def note_put(ctx: Any, args: dict[str, Any]) -> None:
    note = Note(args["note_id"], ctx.principal.branch_id, args["text"], list(args["tags"]),
                ctx.times.happened_at, ctx.times.clock_suspect)
    save_note(ctx.session, note)
    ctx.put("note", note)
    if args["text"] == "slow":
        time.sleep(0.3)  # widens the window in which a second push could interleave
    if args["text"] == "boom":
        raise RuntimeError("boom: a bug in a handler")
    if args["text"] == "reject":
        raise MutationRejected("note_rejected", "Notes may not say 'reject'.", rule="R-TEST-1")


def note_delete(ctx: Any, args: dict[str, Any]) -> None:
    if load_note(ctx.session, args["note_id"]) is None:
        raise MutationRejected("not_found", "No such note.", errors={"note_id": ["Unknown note."]})
    ctx.session.execute(delete(note_table).where(note_table.c.id == args["note_id"]))
    ctx.delete("note", args["note_id"])


def note_secret(ctx: Any, args: dict[str, Any]) -> None:
    note = Note(args["note_id"], ctx.principal.branch_id, args["text"], ["customer"])
    save_note(ctx.session, note)
    ctx.put("note", note)


def install_notes(app: Any) -> Any:
    """Add the note table (emptied), mutators, entity and scope to ``app``; returns it."""
    registry = app.extensions["sync_registry"]
    with app.app_context():
        meta.create_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM sync_test_note"))
    registry.add_mutator(Mutator("note.put", NotePutArgs(), note_put, frozenset(ROLES)))
    registry.add_mutator(Mutator("note.delete", NoteIdArgs(), note_delete, frozenset(ROLES)))
    registry.add_mutator(Mutator("note.secret", NoteSecretArgs(), note_secret, frozenset({"lobby_manager"})))
    registry.add_entity(Entity(name="note", serialize=Note.to_dict, audiences=note_audiences))
    base = registry.scope_resolver

    def scope(principal: Principal) -> Scope:
        org = base(principal)
        tags = readable_tags(principal.role)
        notes = {f"{principal.branch_id}/note/{t}" for t in tags} if principal.branch_id else set()
        return Scope(audiences=org.audiences | notes, fingerprint=f"{org.fingerprint}|notes:{','.join(tags)}")

    registry.set_scope_resolver(scope)
    return app


def make_notes_app(overrides: dict[str, Any], clock: Any = None) -> Any:
    """``create_app(overrides, clock=clock)`` with the note domain installed and the
    schema created (for scripts, servers in a subprocess, benchmarks)."""
    from server import create_app

    app = create_app(overrides, clock=clock)
    with app.app_context():
        db.create_all()
    return install_notes(app)


@contextlib.contextmanager
def driver_statements(engine: Any) -> Iterator[list[tuple[str, str]]]:
    """Record every statement the database driver runs on ``engine``'s connections while
    the block runs, as ``(first four words, transaction status after it)`` (status:
    PostgreSQL's ``IDLE``/``INTRANS``…, ``""`` on SQLite).

    Recorded below SQLAlchemy, so it sees what its statement events do not (the sync
    engine's raw reads, ``server.db_events.reads``), and installing it adds no event
    listener to ``engine`` that would change which path runs.
    """
    seen: list[tuple[str, str]] = []
    touched: list[Any] = []
    postgresql = engine.dialect.name == "postgresql"
    if postgresql:
        import psycopg

        def recorded(execute: Any) -> Any:
            def record(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                out = execute(self, query, *args, **kwargs)
                text_ = query if isinstance(query, str) else query.decode() if isinstance(query, bytes) else str(query)
                seen.append((" ".join(text_.split()[:4]), self.connection.info.transaction_status.name))
                return out
            return record

        class Recording(psycopg.Cursor):  # type: ignore[type-arg]
            execute = recorded(psycopg.Cursor.execute)

        # the sync engine's raw reads make their own psycopg.RawCursor (sync/page_read.py)
        raw_execute = psycopg.RawCursor.execute
        psycopg.RawCursor.execute = recorded(raw_execute)

    def on_checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        if postgresql:
            dbapi_conn.cursor_factory = Recording
        else:
            dbapi_conn.set_trace_callback(lambda statement: seen.append((" ".join(statement.split()[:4]), "")))
        touched.append(dbapi_conn)

    event.listen(engine.pool, "checkout", on_checkout)
    try:
        yield seen
    finally:
        event.remove(engine.pool, "checkout", on_checkout)
        if postgresql:
            psycopg.RawCursor.execute = raw_execute
        for dbapi_conn in touched:
            if postgresql:
                dbapi_conn.cursor_factory = psycopg.Cursor
            else:
                dbapi_conn.set_trace_callback(None)
