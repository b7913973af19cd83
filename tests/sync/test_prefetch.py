"""The optional batch capability of a mutator (``Mutator.prefetch``), on SQLite and PostgreSQL.

A prefetch runs once per *segment* of an optimistic run (a stretch in which the handlers
of mutators sharing one prepare step run) with the segment's loaded args; the careful
replay passes ``None``.
"""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sync_testing import NotePutArgs, load_note, note_put

from server.extensions import db
from sync import feed
from sync.registry import Mutator


def _install_counted(notes: Any, *, fail: bool = False) -> list[Any]:
    """Add ``note.counted``: ``note.put`` with a prefetch recording what it was given.

    Returns the log: ``("prefetch", [texts])`` per prefetch call and ``("handler", text,
    prefetched)`` per handler call. ``fail``: the prefetch raises.
    """
    calls: list[Any] = []

    def prefetch(session: Any, principal: Any, batch: list[dict[str, Any]]) -> Any:
        calls.append(("prefetch", [a["text"] for a in batch]))
        if fail:
            raise RuntimeError("prefetch bug")
        return {"segment": sum(1 for c in calls if c[0] == "prefetch")}

    def handler(ctx: Any, args: dict[str, Any]) -> None:
        calls.append(("handler", args["text"], ctx.prefetched))
        note_put(ctx, args)

    registry = notes.extensions["sync_registry"]
    registry.add_mutator(Mutator("note.counted", NotePutArgs(), handler, frozenset(registry.mutators["note.put"].roles),
                                 prefetch=prefetch))
    return calls


def counted(guard: Any, text: str, **kw: Any) -> dict:
    return guard.mutation("note.counted", {"note_id": str(uuid.uuid4()), "text": text, "tags": ["public"]}, **kw)


def test_prefetch_runs_once_per_segment_with_its_args_in_order(device, notes):
    calls = _install_counted(notes)
    guard = device("guard")
    batch = [counted(guard, "a"), counted(guard, "b"), guard.mutation("note.counted", {"text": 1}),
             counted(guard, "c"), guard.note("plain"), counted(guard, "d")]
    body = guard.push(*batch)
    assert [r["status"] for r in body["results"]] == ["applied"] * 2 + ["rejected"] + ["applied"] * 3
    # the invalid mutation runs no handler, so it does not end the segment; note.put does
    assert calls == [
        ("prefetch", ["a", "b", "c"]), ("handler", "a", {"segment": 1}), ("handler", "b", {"segment": 1}),
        ("handler", "c", {"segment": 1}),
        ("prefetch", ["d"]), ("handler", "d", {"segment": 2}),
    ]


def test_mutators_naming_one_prepare_step_share_a_segment_and_others_end_it(device, notes):
    """Two mutators with the same ``prefetch`` (and ``flush``) are one segment: one call
    with both's args, in order, one state; a mutator with another prepare step ends it."""
    calls = _install_counted(notes)
    registry = notes.extensions["sync_registry"]
    counted_ = registry.mutators["note.counted"]
    registry.add_mutator(dataclasses.replace(counted_, name="note.twin"))  # the same prepare step
    registry.add_mutator(dataclasses.replace(counted_, name="note.other",
                                             prefetch=lambda s, p, b: calls.append(("other", len(b))) or "other"))
    guard = device("guard")

    def twin(text: str) -> dict:
        return guard.mutation("note.twin", {"note_id": str(uuid.uuid4()), "text": text, "tags": ["public"]})

    body = guard.push(counted(guard, "a"), twin("b"), counted(guard, "c"),
                      guard.mutation("note.other", {"note_id": str(uuid.uuid4()), "text": "d", "tags": ["public"]}),
                      twin("e"))
    assert [r["status"] for r in body["results"]] == ["applied"] * 5
    assert calls == [
        ("prefetch", ["a", "b", "c"]), ("handler", "a", {"segment": 1}), ("handler", "b", {"segment": 1}),
        ("handler", "c", {"segment": 1}),
        ("other", 1), ("handler", "d", "other"),
        ("prefetch", ["e"]), ("handler", "e", {"segment": 2}),
    ]


def test_careful_replay_passes_no_prefetched_state(device, notes):
    calls = _install_counted(notes)
    guard = device("guard")
    batch = [counted(guard, "a"), counted(guard, "reject"), counted(guard, "b")]
    body = guard.push(*batch)
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    handled = [c[1:] for c in calls if c[0] == "handler"]
    # optimistic a, reject (fails the run) -> careful a, reject -> a new optimistic run: b
    assert handled == [("a", {"segment": 1}), ("reject", {"segment": 1}), ("a", None), ("reject", None),
                       ("b", {"segment": 2})]
    assert [c[1] for c in calls if c[0] == "prefetch"] == [["a", "reject", "b"], ["b"]]
    with notes.app_context():
        stored = {m["args"]["text"]: load_note(db.session, uuid.UUID(m["args"]["note_id"])) for m in batch}
    assert stored["a"] and stored["b"] and stored["reject"] is None


def test_failing_prefetch_replays_the_run_carefully_with_the_same_outcomes(device, notes, caplog):
    import logging

    calls = _install_counted(notes, fail=True)
    guard = device("guard")
    batch = [counted(guard, "a"), counted(guard, "reject"), counted(guard, "b")]
    with caplog.at_level(logging.WARNING, logger="sync.engine"):
        body = guard.push(*batch)
    assert any("prefetch of note.counted failed" in r.message and r.exc_info for r in caplog.records)
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert body["results"][1]["error"]["code"] == "note_rejected"
    assert [c[2] for c in calls if c[0] == "handler"] == [None, None, None]  # the careful replay only
    with notes.app_context():
        stored = {m["args"]["text"]: load_note(db.session, uuid.UUID(m["args"]["note_id"])) for m in batch}
    assert stored["a"] and stored["b"] and stored["reject"] is None
    pulled = sorted(c["data"]["text"] for c in guard.pull(cursor=None)["changes"] if c["entity"] == "note")
    assert pulled == ["a", "b"]


def test_a_mutator_without_prefetch_is_the_same_mutator(device, notes):
    """``Mutator(name, schema, handler, roles)`` keeps working: no prefetch, ``None`` state."""
    registry = notes.extensions["sync_registry"]
    seen: list[Any] = []
    base = registry.mutators["note.put"]

    def handler(ctx: Any, args: dict[str, Any]) -> None:
        seen.append(ctx.prefetched)
        note_put(ctx, args)

    registry.add_mutator(dataclasses.replace(base, name="note.plain", handler=handler))
    guard = device("guard")
    body = guard.push(*[guard.mutation("note.plain", {"note_id": str(uuid.uuid4()), "text": t}) for t in "xyz"])
    assert [r["status"] for r in body["results"]] == ["applied"] * 3 and seen == [None] * 3


def test_first_emission_decides_whether_a_record_is_new():
    """``put(created=True)`` spares the feed's read of old rows only when the record's
    first emission in the transaction says it is new."""
    items = [("e", "1", "put", "v1", True), ("e", "1", "put", "v2", False),
             ("e", "2", "delete", None, False), ("e", "2", "put", "v3", True)]
    assert feed._latest(items) == {("e", "1"): ("put", "v2", True), ("e", "2"): ("put", "v3", False)}


def test_a_crashing_args_schema_is_an_internal_error_logged_once(device, notes, caplog):
    """Args are loaded before the write lock; a schema that raises (a bug, not a
    ValidationError) rejects only its mutation, ``internal_error``, and is logged."""
    import logging

    from marshmallow import Schema, post_load

    class Crashing(Schema):
        @post_load
        def crash(self, data: dict, **_: Any) -> dict:
            raise RuntimeError("schema bug")

    registry = notes.extensions["sync_registry"]
    registry.add_mutator(Mutator("note.crashing", Crashing(), note_put, frozenset(registry.mutators["note.put"].roles)))
    guard = device("guard")
    with caplog.at_level(logging.ERROR, logger="sync.engine"):
        body = guard.push(guard.note("a"), guard.mutation("note.crashing", {}), guard.note("b"))
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert body["results"][1]["error"]["code"] == "internal_error"
    logged = [r for r in caplog.records if "failed in its args schema" in r.message]
    assert len(logged) == 1 and logged[0].exc_info
