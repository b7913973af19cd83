"""A pull racing tombstone compaction must not lose a delete (sync-protocol "Pull", #3).

A device offline longer than the tombstone horizon pulls from its old cursor while
compaction commits. The pull must either reset (the cursor is now too old) or still see
the tombstone; keeping the deleted record in the device's copy is a skipped change.

The race is made deterministic: compaction commits on another connection right after the
pull read the counter row (its horizon), before it reads the page.
"""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.extensions import db


@pytest.fixture
def app_overrides():
    return {"sync_tombstone_days": 1}


def test_pull_racing_compaction_resets_or_still_sees_the_delete(device, notes, clock):
    guard = device("guard")
    gone = uuid.uuid4()
    guard.push(guard.note("kept"), guard.note("to delete", note_id=gone))
    guard.sync()
    assert str(gone) in guard.notes()
    guard.push(guard.mutation("note.delete", {"note_id": str(gone)}))
    clock.advance(timedelta(days=2))  # the device was offline past the tombstone horizon (1 day here)

    engine = notes.extensions["sync_engine"]
    with notes.app_context():
        sql_engine = db.engine
    fired = threading.Event()

    def compact_now() -> None:
        with notes.app_context():
            with Session(sql_engine) as other:
                assert engine.compact(other) >= 1

    def after_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if not fired.is_set() and "horizon_seq" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            fired.set()
            worker = threading.Thread(target=compact_now)
            worker.start()
            worker.join(30)

    event.listen(sql_engine, "after_cursor_execute", after_execute)
    try:
        page = guard.pull()
    finally:
        event.remove(sql_engine, "after_cursor_execute", after_execute)
    assert fired.is_set(), "the pull did not read the horizon"
    assert page["reset"] or any(c["op"] == "delete" and c["id"] == str(gone) for c in page["changes"]), page
    assert str(gone) not in guard.notes(), "the device still holds a record deleted before it went offline"
