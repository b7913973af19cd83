"""sync/store.py queries on their own, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

from sync import store
from sync.registry import Principal

from server.extensions import db


def test_page_and_counter_read_what_page_and_read_counter_read(device, notes):
    guard = device("guard")
    guard.push(*[guard.note(str(i)) for i in range(4)])
    guard.sync()
    scope = notes.extensions["sync_registry"].scope_for(_principal(guard))
    with notes.app_context():
        top, horizon = store.read_counter(db.session)
        assert top > 0
        for after, limit in ((0, 100), (0, 2), (top - 2, 100), (top, 100)):
            rows, seq, hz = store.page_and_counter(db.session.connection(), scope.audiences, after, limit)
            assert [tuple(r) for r in rows] == [tuple(r) for r in store.page(db.session, scope.audiences, after, limit)]
            assert (seq, hz) == (top, horizon)
        assert store.page_and_counter(db.session.connection(), frozenset(), 0, 10) == ([], top, horizon)


def test_page_and_counter_before_the_first_change(notes):
    with notes.app_context():
        db.session.execute(store.counter_table.delete())
        assert store.page_and_counter(db.session.connection(), {"x/note/public"}, 0, 10) == ([], 0, 0)
        db.session.rollback()


def test_the_counter_sentinel_is_found_wherever_it_comes():
    page = [(5, "note", "a", "put", "{}"), (6, "note", "b", "put", "{}")]
    for at in range(3):
        rows = list(page)
        rows.insert(at, (9, None, None, None, "4"))
        assert store._counter_of(rows) == (9, 4) and rows == page
    assert store._counter_of(list(page)) == (0, 0)


def _principal(device) -> Principal:
    staff = device.rc.staff
    return Principal(staff_id=uuid.UUID(staff["id"]), role=staff["role"], branch_id=uuid.UUID(staff["branch_id"]))
