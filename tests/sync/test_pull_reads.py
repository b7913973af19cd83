"""How a pull reads (#3): an empty poll is one statement on a pooled connection of its
own, outside any transaction (``server.db_events.reads``); a pull holds one pooled
connection at a time; and a listener on the engine's statement events still sees it."""
from __future__ import annotations

from sync_testing import driver_statements

from server.extensions import db
from sync import page_read


def test_an_empty_poll_is_one_statement_outside_a_transaction(device, notes, monkeypatch):
    """The page with the counter, the client row and the remembered principal's
    confirmation in one statement (#3), its own transaction: no BEGIN and COMMIT (round
    trips on PostgreSQL). A principal the process does not remember yet costs one more
    statement: the session, read before the page. Counted at the driver, where the raw
    read (``server.db_events.reads``) shows as well."""
    guard = device("guard")
    guard.push(guard.note("a"))
    guard.sync()
    with notes.app_context():
        engine = db.engine
    raw_reads: list[str] = []
    execute_raw = page_read._execute_raw
    monkeypatch.setattr(page_read, "_execute_raw", lambda conn, compiled, params: (
        raw_reads.append(compiled.sql), execute_raw(conn, compiled, params))[1])
    with driver_statements(engine) as seen:
        remembered = guard.pull()
        statements_remembered = list(seen)
        assert len(raw_reads) == 1  # on the DBAPI cursor, not through SQLAlchemy
        seen.clear()
        notes.extensions["remembered_principals"].clear()  # as in a process that never saw this device
        first = guard.pull()
    assert remembered["changes"] == first["changes"] == [] and first["reset"] is remembered["reset"] is False
    assert len(statements_remembered) == 1, statements_remembered
    # PostgreSQL: led by the touches of last_pull_at and last_seen_at, which write only when due (#16)
    assert statements_remembered[0][0].startswith(("SELECT * FROM", "WITH confirmed AS")), statements_remembered
    assert len(seen) == 2, seen
    if engine.dialect.name == "postgresql":
        assert {status for _, status in seen + statements_remembered} == {"IDLE"}, seen


def test_a_pull_holds_one_pooled_connection_at_a_time(device, notes):
    """The session's connection goes back to the pool before the page is read on a
    connection of its own: with as many threads as the pool has connections, a burst of
    first pulls (a restart: no principal remembered) must not leave every thread holding
    one and waiting for a second."""
    from sqlalchemy import event

    guard = device("guard")
    guard.push(guard.note("a"))
    guard.sync()
    with notes.app_context():
        engine = db.engine
    held, peaks = [0], []

    def checkout(*_args):  # noqa: ANN002
        held[0] += 1
        peaks[-1] = max(peaks[-1], held[0])

    def checkin(*_args):  # noqa: ANN002
        held[0] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        for forget in (False, True, False):
            if forget:
                notes.extensions["remembered_principals"].clear()
            peaks.append(0)
            assert guard.pull()["changes"] == []
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
    assert peaks == [1, 1, 1], peaks


def test_an_observed_poll_runs_through_sqlalchemy_and_answers_the_same(device, notes):
    """While something listens to the engine's statement events (tracing, APM), the raw
    read steps aside so the listener sees the poll's statement; the answer is the same."""
    from sqlalchemy import event

    guard = device("guard")
    guard.push(guard.note("a"))
    guard.sync()
    with notes.app_context():
        engine = db.engine
    with driver_statements(engine) as seen:
        unobserved = guard.pull()
    observed: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001
        observed.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with driver_statements(engine) as seen_observed:
            again = guard.pull()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [s for s in observed if "sync_counter" in s] and len(observed) == 1, observed
    assert [s for s, _ in seen_observed] == [s for s, _ in seen]
    assert {k: v for k, v in again.items() if k != "server_time"} == \
        {k: v for k, v in unobserved.items() if k != "server_time"}


def test_a_remembered_long_poll_that_runs_out_makes_no_orm_session(device, notes, monkeypatch):
    """A remembered device's long poll reads on connections of its own (``reads``) and
    writes nothing when nothing is due: it must not build a ``Session`` only to find it
    idle at each release (#16: about 70 µs of every long poll, plus its close)."""
    guard = device("guard")
    guard.sync()
    guard.pull()  # the principal is remembered, its touches are fresh
    made: list[object] = []
    create = db.session.registry.createfunc
    monkeypatch.setattr(db.session.registry, "createfunc", lambda: made.append(1) or create())
    page = guard.pull(wait=0.3)
    assert page["changes"] == [] and page["reset"] is False
    assert made == []
