"""sync-protocol "Push" durability clauses under concurrency, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import uuid

from conftest import Bearer, NoteDevice

from server.extensions import db


def run_together(*fns):
    barrier = threading.Barrier(len(fns))
    out: list = [None] * len(fns)

    def run(i, fn):
        barrier.wait()
        try:
            out[i] = fn()
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertions
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_identical_pushes_of_one_client_at_once_are_serialised(device, notes, clock):
    guard = device("guard")
    guard.pull(cursor=None)  # binds the client
    batch = [guard.note("slow"), guard.note("slow"), guard.note("a")]
    devices = [NoteDevice(Bearer(notes.test_client(), guard.rc.token, guard.rc.staff), clock, guard.client_id) for _ in range(2)]
    first, second = run_together(*[lambda d=d: d.push_raw(batch) for d in devices])
    assert first.status_code == 200 and second.status_code == 200, (first.get_json(), second.get_json())
    bodies = sorted([first.get_json(), second.get_json()], key=lambda b: "duplicate" in b["results"][0])
    assert [r.get("duplicate") for r in bodies[0]["results"]] == [None, None, None]
    assert [r.get("duplicate") for r in bodies[1]["results"]] == [True, True, True]
    with notes.app_context():
        log = notes.extensions["sync_engine"].list_mutations(db.session, client_id=guard.client_id)
    assert sorted(e["id"] for e in log) == [1, 2, 3]


def test_overlapping_pushes_of_one_client_never_interleave(device, notes, clock):
    guard = device("guard")
    guard.pull(cursor=None)
    m = [guard.note("slow") for _ in range(4)]
    a = NoteDevice(Bearer(notes.test_client(), guard.rc.token, guard.rc.staff), clock, guard.client_id)
    b = NoteDevice(Bearer(notes.test_client(), guard.rc.token, guard.rc.staff), clock, guard.client_id)
    r1, r2 = run_together(lambda: a.push_raw(m[:3]), lambda: b.push_raw(m[:4]))
    codes = sorted([r1.status_code, r2.status_code])
    assert codes == [200, 200]
    with notes.app_context():
        log = notes.extensions["sync_engine"].list_mutations(db.session, client_id=guard.client_id)
    assert sorted(e["id"] for e in log) == [1, 2, 3, 4]
    assert all(e["status"] == "applied" for e in log)


def test_concurrent_writers_never_make_a_reader_skip_a_change(device, notes, clock):
    """A small version of the many-writers test: every committed change is pulled once."""
    writers = [device("guard"), device("guard", index=1), device("lobby_manager"), device("cleaner")]
    for w in writers:
        w.pull(cursor=None)
    reader = device("operations_manager")
    reader.pull(cursor=None)
    clients = [NoteDevice(Bearer(notes.test_client(), w.rc.token, w.rc.staff), clock, w.client_id) for w in writers]
    done = threading.Event()
    pulled: list[str] = []

    def write(d):
        for _ in range(8):
            d.push(d.note(uuid.uuid4().hex), d.note(uuid.uuid4().hex))

    def read():
        while not done.is_set():
            pulled.extend(c["id"] for p in reader.sync(limit=3) for c in p["changes"] if c["entity"] == "note")

    reader_thread = threading.Thread(target=read)
    reader_thread.start()
    results = run_together(*[lambda d=d: write(d) for d in clients])
    done.set()
    reader_thread.join(60)
    assert results == [None] * len(clients)
    pulled.extend(c["id"] for p in reader.sync() for c in p["changes"] if c["entity"] == "note")
    assert len(pulled) == len(set(pulled)) == 4 * 8 * 2


def test_on_sqlite_a_push_begins_immediate_before_any_other_statement(device, notes):
    guard = device("guard")
    with notes.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL serialises with SELECT ... FOR UPDATE (the test above)
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        guard.push(guard.note("a"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    begins = [i for i, s in enumerate(seen) if s.startswith("BEGIN")]
    immediate = [i for i in begins if seen[i] == "BEGIN IMMEDIATE"]
    assert immediate, seen
    # the client row next, read under the write lock BEGIN IMMEDIATE already holds
    assert "FROM sync_client" in seen[immediate[0] + 1], seen
