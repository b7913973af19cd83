"""sync/page_read.py: a pull's page, counter and client row in one statement, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from sync import page_read, store
from sync.registry import Principal

from server.extensions import db


def test_the_page_and_counter_are_what_page_and_read_counter_read(device, notes):
    guard = device("guard")
    guard.push(*[guard.note(str(i)) for i in range(4)])
    guard.sync()
    scope = notes.extensions["sync_registry"].scope_for(_principal(guard))
    with notes.app_context():
        top, horizon = store.read_counter(db.session)
        assert top > 0
        for after, limit in ((0, 100), (0, 2), (top - 2, 100), (top, 100)):
            rows, seq, hz, client, confirmed = page_read.read(db.session.connection(), scope.audiences, after, limit)
            assert [tuple(r) for r in rows] == [tuple(r) for r in store.page(db.session, scope.audiences, after, limit)]
            assert (seq, hz, client, confirmed) == (top, horizon, None, page_read.NOT_ASKED)
        assert page_read.read(db.session.connection(), frozenset(), 0, 10) == ([], top, horizon, None, page_read.NOT_ASKED)


def test_the_counter_before_the_first_change(notes):
    with notes.app_context():
        db.session.execute(store.counter_table.delete())
        assert page_read.read(db.session.connection(), {"x/note/public"}, 0, 10) == ([], 0, 0, None, page_read.NOT_ASKED)
        db.session.rollback()


@pytest.mark.parametrize("pulled_ago,same_branch,other_staff,expected", [
    (5, True, False, (7, True, True)),
    (15, True, False, (7, True, False)),  # last_pull_at is due for a write
    (5, False, False, (7, True, False)),  # the member changed branch: write it
    (5, True, True, (7, False, True)),  # another member's client_id
    (None, True, False, (7, True, False)),  # never pulled, only pushed
])
def test_the_page_statement_checks_the_client_row(notes, clock, pulled_ago, same_branch, other_staff, expected):
    owner, branch, client_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = clock.now()
    with notes.app_context():
        db.session.execute(store.client_table.insert().values(
            client_id=client_id, staff_id=owner, branch_id=branch, last_mutation_id=7, created_at=now,
            last_pull_at=None if pulled_ago is None else now - timedelta(seconds=pulled_ago)))
        probe = page_read.ClientProbe(client_id, uuid.uuid4() if other_staff else owner,
                                  branch if same_branch else uuid.uuid4(), now - timedelta(seconds=10))
        for audiences in ((), {"x/note/public"}):
            assert page_read.read(db.session.connection(), audiences, 0, 10, probe).client == expected
        unknown = probe._replace(client_id=uuid.uuid4())
        assert page_read.read(db.session.connection(), {"x/note/public"}, 0, 10, unknown).client is None
        db.session.rollback()


def test_a_client_without_a_branch_is_fresh_for_a_member_without_one(notes, clock):
    owner, client_id, now = uuid.uuid4(), uuid.uuid4(), clock.now()
    with notes.app_context():
        db.session.execute(store.client_table.insert().values(
            client_id=client_id, staff_id=owner, branch_id=None, last_mutation_id=0, created_at=now, last_pull_at=now))
        probe = page_read.ClientProbe(client_id, owner, None, now - timedelta(seconds=10))
        assert page_read.read(db.session.connection(), (), 0, 10, probe).client == (0, True, True)
        db.session.rollback()


def test_the_sentinels_are_found_wherever_they_come():
    page = [(5, "note", "a", "put", "{}"), (6, "note", "b", "put", "{}")]
    counter, client = (9, None, None, None, "4"), (3, None, "client", "own", "fresh")
    for at in range(3):
        for other in range(3):
            rows = list(page)
            rows.insert(at, counter)
            rows.insert(other, client)
            assert page_read._split(rows) == (page, 9, 4, (3, True, True), page_read.NOT_ASKED)
    assert page_read._split(list(page)) == (page, 0, 0, None, page_read.NOT_ASKED)


def _principal(device) -> Principal:
    staff = device.rc.staff
    return Principal(staff_id=uuid.UUID(staff["id"]), role=staff["role"], branch_id=uuid.UUID(staff["branch_id"]))


def test_a_caller_check_is_read_in_the_same_statement(device, notes, clock):
    """A :class:`~sync.page_read.Confirm` comes back with the page: its value, ``None``
    when its sub-select finds nothing, and the page and counter unchanged by it."""
    from sqlalchemy import String, bindparam

    guard = device("guard")
    guard.push(*[guard.note(str(i)) for i in range(3)])
    guard.sync()
    scope = notes.extensions["sync_registry"].scope_for(_principal(guard))
    probe = page_read.ClientProbe(guard.client_id, _principal(guard).staff_id, None,
                                  clock.now() - timedelta(seconds=10))
    expression = "SELECT CASE WHEN seq >= :c_min THEN :c_word ELSE 'low' END FROM sync_counter WHERE id = :c_id"
    binds = (bindparam("c_min"), bindparam("c_word", type_=String), bindparam("c_id"))
    with notes.app_context():
        top, horizon = store.read_counter(db.session)
        plain = page_read.read(db.session.connection(), scope.audiences, 0, 100, probe)
        for audiences in (scope.audiences, ()):
            for params, expected in (({"c_min": top, "c_word": "ok", "c_id": store.COUNTER_ID}, "ok"),
                                     ({"c_min": top + 1, "c_word": "ok", "c_id": store.COUNTER_ID}, "low"),
                                     ({"c_min": 0, "c_word": "ok", "c_id": -1}, None)):
                read = page_read.read(db.session.connection(), audiences, 0, 100, probe,
                                      page_read.Confirm(expression, binds, params))
                assert read.confirmed == expected
                assert (read.seq, read.horizon_seq, read.client) == (top, horizon, plain.client)
                assert read.rows == (plain.rows if audiences else [])
        db.session.rollback()


def test_a_raw_read_answers_what_a_sqlalchemy_read_does(device, notes, clock):
    """``server.db_events.reads`` runs the statement on the DBAPI cursor (compiled once,
    parameters through their types' bind processors): the same rows, counter, client
    check and typed confirmation as through SQLAlchemy, in every shape."""
    from sqlalchemy import Uuid, bindparam

    from server.db_events import reads
    from sync.types import UtcDateTime

    guard = device("guard")
    guard.push(*[guard.note(str(i)) for i in range(5)])
    guard.sync()
    principal = _principal(guard)
    scope = notes.extensions["sync_registry"].scope_for(principal)
    expression = ("SELECT CASE WHEN staff_id = :c_staff AND last_pull_at > :c_after THEN 'ok' ELSE 'no' END "
                  "FROM sync_client WHERE client_id = :c_client")
    binds = (bindparam("c_staff", type_=Uuid), bindparam("c_after", type_=UtcDateTime), bindparam("c_client", type_=Uuid))
    now = clock.now()
    confirms = [None] + [page_read.Confirm(expression, binds, {"c_staff": staff, "c_after": now - timedelta(seconds=age),
                                                               "c_client": guard.client_id})
                         for staff, age in ((principal.staff_id, 60), (principal.staff_id, -60), (uuid.uuid4(), 60))]
    probes = [None, page_read.ClientProbe(guard.client_id, principal.staff_id, principal.branch_id,
                                          now - timedelta(seconds=10)),
              page_read.ClientProbe(uuid.uuid4(), principal.staff_id, None, now)]
    with notes.app_context():
        top, _ = store.read_counter(db.session)
        db.session.rollback()
        read_raw = reads(db.engine)
        answers = set()
        for audiences in (scope.audiences, (), sorted(scope.audiences)[:1]):
            for after, limit in ((0, 100), (0, 2), (top - 1, 100), (top, 100)):
                for probe in probes:
                    for confirm in confirms:
                        with read_raw() as conn:
                            assert isinstance(conn, page_read.RawConnection)
                            raw = page_read.read(conn, audiences, after, limit, probe, confirm)
                        core = page_read.read(db.session.connection(), audiences, after, limit, probe, confirm)
                        db.session.rollback()
                        assert [tuple(r) for r in raw.rows] == [tuple(r) for r in core.rows]
                        assert raw[1:] == core[1:]
                        answers.add((len(raw.rows), raw.client, raw.confirmed))
    assert {confirmed for *_, confirmed in answers} == {page_read.NOT_ASKED, "ok", "no"}
    clients = {client for _, client, _ in answers}
    assert None in clients and any(c is not None and c.owned and c.last_mutation_id == 5 for c in clients), clients
    assert len({n for n, *_ in answers}) >= 3  # full pages, short pages and empty ones were compared


def test_a_raw_read_hands_its_connection_back_as_it_found_it(notes):
    """PostgreSQL runs the raw read in autocommit and restores the connection's mode
    before the pool has it back; a read that fails drops its connection."""
    from sqlalchemy.exc import DBAPIError

    from server.db_events import reads

    with notes.app_context():
        engine = db.engine
    read_raw = reads(engine)
    postgresql = engine.dialect.name == "postgresql"
    with read_raw() as conn:
        driver = conn.dbapi.driver_connection
        assert driver.autocommit is True if postgresql else driver.in_transaction is False
        page_read.read(conn, {"x/note/public"}, 0, 10)
    if postgresql:
        assert driver.autocommit is False and driver.info.transaction_status.name == "IDLE"
    failed = None
    with pytest.raises((engine.dialect.loaded_dbapi.Error, DBAPIError)):
        with read_raw() as conn:
            failed = conn.dbapi
            conn.dbapi.cursor().execute("SELECT * FROM no_such_table")
    assert failed is not None and not failed.is_valid
    with read_raw() as conn:  # the pool hands out a working one
        assert page_read.read(conn, {"x/note/public"}, 0, 10).rows == []


@pytest.mark.parametrize("pulled_ago,same_branch,other_staff,confirmed,written", [
    (5, True, False, True, False),  # fresh: a read
    (15, True, False, True, True),  # due: recorded
    (5, False, False, True, True),  # the member changed branch: recorded with the branch
    (None, True, False, True, True),  # never pulled, only pushed
    (15, True, True, True, False),  # another member's client_id: never
    (15, True, False, False, False),  # the caller's check fails: the pull will be refused
])
def test_on_postgresql_the_page_statement_records_a_pull_due_for_it(
        notes, clock, db_url, pulled_ago, same_branch, other_staff, confirmed, written):
    """#16: the touch of ``last_pull_at`` rides on the page statement on PostgreSQL, with
    the checks the engine made after it before, and then the row reads as fresh. SQLite
    has no data-modifying WITH: the statement reads only (the engine writes after)."""
    from sqlalchemy import bindparam, select

    owner, branch, client_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = clock.now()
    before = None if pulled_ago is None else now - timedelta(seconds=pulled_ago)
    arrived = now - timedelta(milliseconds=1)
    expression = "SELECT CASE WHEN :c_ok THEN 'ok' ELSE 'stale' END"
    confirm = page_read.Confirm(expression, (bindparam("c_ok"),), {"c_ok": confirmed})
    with notes.app_context():
        db.session.execute(store.client_table.insert().values(
            client_id=client_id, staff_id=owner, branch_id=branch, last_mutation_id=7, created_at=now,
            last_pull_at=before))
        member_branch = branch if same_branch else uuid.uuid4()
        probe = page_read.ClientProbe(client_id, uuid.uuid4() if other_staff else owner, member_branch,
                                      now - timedelta(seconds=10), arrived)
        read = page_read.read(db.session.connection(), {"x/note/public"}, 0, 10, probe, confirm)
        row = db.session.execute(select(store.client_table).where(store.client_table.c.client_id == client_id)).one()
        db.session.rollback()
    touched = written and db_url.startswith("postgresql")
    assert (row.last_pull_at, row.branch_id) == ((arrived, member_branch) if touched else (before, branch))
    assert read.client.fresh == (touched or (pulled_ago == 5 and same_branch))
    assert read.confirmed == ("ok" if confirmed else "stale")



@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has no data-modifying WITH
def test_the_writes_riding_on_a_remembered_poll_read_its_confirmation_once(device, statements, db_url):
    """The touches of ``last_pull_at`` and ``last_seen_at`` both wait on the remembered
    principal's confirmation (#16): it is read once, in a WITH of its own, not spelt
    out in each (a guard's statement was over 5 KB; psycopg re-parses one over 4 KB)."""
    guard = device("guard")
    guard.sync()
    guard.pull(wait=0)  # remembered now
    with statements() as seen:
        guard.pull(wait=0)
    (sql,) = seen
    assert "touched AS (UPDATE" in sql and "confirm_touch AS (UPDATE" in sql
    assert sql.count("FROM device_session s JOIN staff") == 1


def test_numbered_placeholders_give_one_number_per_name():
    assert page_read._numbered("a = %(x)s AND b = %(y)s OR c = %(x)s AND d LIKE '5%%'") == (
        "a = $1 AND b = $2 OR c = $1 AND d LIKE '5%'", ("x", "y"))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # psycopg's own cursor
def test_on_psycopg_a_raw_read_is_sent_as_written(notes, db_url):
    """psycopg parses a ``%(name)s`` query again on every execution once it is over
    4,096 bytes (a guard's 16 audiences are); the raw read sends ``$n`` on a RawCursor,
    which it does not parse at all (#16)."""
    import psycopg

    with notes.app_context():
        dialect = db.engine.dialect
    compiled = page_read._compiled(dialect, 16, True, None, True)
    assert compiled.cursor is psycopg.RawCursor and "%(" not in compiled.sql and "$1" in compiled.sql
    last = len(compiled.order)
    assert len(set(compiled.order)) == last and f"${last}" in compiled.sql and f"${last + 1}" not in compiled.sql
