"""sync-protocol "Pull": ``wait`` makes a long poll; wake-ups cross processes via the DB/Redis."""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid


from server.extensions import db
from sync.notify import CHANNEL, Notifier, encode


def later(seconds, fn):
    errors = []

    def run():
        time.sleep(seconds)
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_long_poll_answers_when_a_change_in_scope_commits(device):
    guard, manager = device("guard"), device("lobby_manager")
    guard.sync()
    manager.push(manager.note("warm-up"))  # binds the client before the race
    guard.sync()
    thread, errors = later(0.5, lambda: manager.push(manager.note("news")))
    started = time.monotonic()
    page = guard.pull(wait=10)
    elapsed = time.monotonic() - started
    thread.join()
    assert not errors
    assert [c["data"]["text"] for c in page["changes"]] == ["news"]
    assert 0.4 < elapsed < 5


def test_long_poll_times_out_with_nothing_new(device):
    guard = device("guard")
    guard.sync()
    started = time.monotonic()
    page = guard.pull(wait=1)
    assert 0.75 < time.monotonic() - started < 4  # its last fifth: the spread (next test)
    assert page["changes"] == [] and page["has_more"] is False and page["reset"] is False


def test_a_wait_that_runs_out_ends_in_its_last_fifth_so_a_fleet_spreads(device, monkeypatch):
    """Waits that started together (a deploy, the network back) must not all end together
    every 30 s and take the host's connections at once (#16): each ends at a moment drawn
    in the last ``wait_spread`` (0.2) of its length."""
    import sync.engine

    guard = device("guard")
    guard.sync()
    monkeypatch.setattr(sync.engine.random, "random", lambda: 0.999)  # the earliest end
    started = time.monotonic()
    guard.pull(wait=2)
    assert 1.5 < time.monotonic() - started < 1.95


def test_long_poll_ignores_changes_outside_its_scope(device):
    guard, manager = device("guard"), device("lobby_manager")
    guard.sync()
    manager.push(manager.note("warm-up", tags=["customer"]))
    thread, errors = later(0.3, lambda: manager.push(manager.note("secret", tags=["customer"])))
    started = time.monotonic()
    page = guard.pull(wait=1.5)
    thread.join()
    assert not errors and page["changes"] == []
    assert time.monotonic() - started > 1.1  # not woken at 0.3 s; a wait ends in its last fifth


def test_wait_0_answers_at_once_and_a_reset_never_waits(device):
    guard = device("guard")
    started = time.monotonic()
    guard.pull(cursor=None, wait=5)
    guard.pull(wait=0)
    assert time.monotonic() - started < 2


def test_long_poll_holds_no_database_connection_while_asleep(device, notes):
    guard = device("guard")
    guard.sync()
    with notes.app_context():
        pool = db.engine.pool
    samples = []
    thread, errors = later(0.6, lambda: samples.append(pool.checkedout()))
    guard.pull(wait=1.2)
    thread.join()
    assert samples == [0]


# --- the cross-process transports, one listener per process -------------------------------


def _woken(notifier, audiences, send):
    waiter = notifier.hub.subscribe(frozenset(audiences))
    try:
        assert notifier.hub.healthy
        send()
        return waiter.event.wait(5)
    finally:
        notifier.hub.unsubscribe(waiter)


def test_postgresql_notify_from_another_connection_wakes_matching_waiters(pg_database):
    import psycopg

    notifier = Notifier(pg_database)
    conninfo = "postgresql:" + pg_database.split(":", 1)[1]

    def send(audiences):
        def run():
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, encode(set(audiences))))

        return run

    assert _woken(notifier, {"b/note/public"}, send({"b/note/public", "x"})) is True
    waiter = notifier.hub.subscribe(frozenset({"b/note/public"}))
    send({"b/note/customer"})()
    assert waiter.event.wait(0.7) is False  # another audience does not wake it
    notifier.hub.unsubscribe(waiter)


def test_redis_publish_from_another_process_wakes_waiters(tmp_path, redis_url):
    import redis

    url = redis_url
    notifier = Notifier(f"sqlite:///{tmp_path / 'x.sqlite3'}", redis_url=url)

    def send():
        client = redis.Redis.from_url(url)
        client.publish(notifier.channel, encode({"b/note/public"}))
        client.close()

    assert _woken(notifier, {"b/note/public"}, send) is True


def test_sqlite_poll_sees_a_commit_by_another_process(tmp_path):
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE sync_counter (id INTEGER PRIMARY KEY, seq BIGINT, horizon_seq BIGINT)")
        conn.execute("INSERT INTO sync_counter VALUES (1, 0, 0)")
    conn.close()
    notifier = Notifier(f"sqlite:///{path}", poll_interval=0.05)

    def send():
        other = sqlite3.connect(path)
        with other:
            other.execute("UPDATE sync_counter SET seq = seq + 1")
        other.close()

    assert _woken(notifier, {"anything"}, send) is True


def test_sqlite_poll_wakes_only_the_audiences_another_process_wrote(tmp_path):
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE sync_counter (id INTEGER PRIMARY KEY, seq BIGINT, horizon_seq BIGINT)")
        conn.execute("INSERT INTO sync_counter VALUES (1, 0, 0)")
        conn.execute("CREATE TABLE sync_change (seq BIGINT UNIQUE, audience TEXT)")
    conn.close()
    notifier = Notifier(f"sqlite:///{path}", poll_interval=0.05)
    hub = notifier.hub
    mine, other = hub.subscribe(frozenset({"branch:1"})), hub.subscribe(frozenset({"branch:2"}))
    try:
        writer = sqlite3.connect(path)
        with writer:
            writer.execute("INSERT INTO sync_change VALUES (1, 'branch:1')")
            writer.execute("UPDATE sync_counter SET seq = 1")
        writer.close()
        assert mine.event.wait(3)
        time.sleep(0.3)
        assert not other.event.is_set()
    finally:
        hub.unsubscribe(mine), hub.unsubscribe(other)



def test_a_long_poll_that_runs_out_is_one_statement(device, statements):
    """A fleet's re-polls are most of a host's requests (#16): a long poll reads its page,
    the counter, its client row and its principal's check in one statement, and one that
    runs out with nothing new reads nothing more."""
    guard = device("guard")
    guard.sync()
    guard.pull(wait=0)  # the principal is remembered; last_pull_at is fresh
    with statements() as seen:
        page = guard.pull(wait=0.3)
    assert page["changes"] == [] and len(seen) == 1 and "sync_counter" in seen[0], seen


def test_a_long_poll_that_runs_out_begins_no_session_transaction(device):
    """Its reads run on connections of their own; committing a session that holds nothing
    would begin a transaction only to end it, up to three times per long poll (#16)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    guard = device("guard")
    guard.sync()
    guard.pull(wait=0)  # the principal is remembered; last_pull_at is fresh
    begun = []

    def note(_session, transaction):  # noqa: ANN001
        begun.append(transaction)

    event.listen(Session, "after_transaction_create", note)
    try:
        page = guard.pull(wait=0.3)
    finally:
        event.remove(Session, "after_transaction_create", note)
    assert page["changes"] == [] and begun == []


def test_a_long_poll_due_to_record_its_pull_is_still_one_statement_on_postgresql(device, statements, clock, notes,
                                                                                  db_url):
    """Every long poll of a fleet waits longer than ``pull_touch_interval``, so each one
    records its pull (#16): on PostgreSQL the page statement writes ``last_pull_at``
    itself (a data-modifying WITH), no second statement, transaction or connection; on
    SQLite one UPDATE follows, its own transaction (no BEGIN IMMEDIATE, no lock read)."""
    guard = device("guard")
    guard.sync()
    guard.pull(wait=0)
    clock.advance(seconds=11)  # past pull_touch_interval: this pull records last_pull_at
    with statements() as seen:
        guard.pull(wait=0.3)
    with notes.app_context():
        assert notes.extensions["sync_engine"].get_client(db.session, guard.client_id).last_pull_at == clock.now()
    if db_url.startswith("postgresql"):
        assert len(seen) == 1 and "touched AS (UPDATE sync_client" in seen[0], seen
    else:  # no data-modifying WITH: the write is one UPDATE after the read, in autocommit
        assert len(seen) == 2 and seen[1].startswith("UPDATE sync_client"), seen


def test_long_polls_read_within_their_share_of_the_pool_and_plain_pulls_do_not_queue(device, notes):
    """A wake-up of 1,000 must not take every pooled connection from logins, pushes and
    health checks (#16): long polls' reads queue for ``wait_reads`` places; other
    requests never do."""
    guard, manager = device("guard"), device("lobby_manager")
    guard.sync()
    manager.sync()
    places = notes.extensions["sync_engine"]._wait_reads
    taken = 0
    while places.acquire(blocking=False):  # every place busy, as in a wake-up's burst
        taken += 1
    assert taken == notes.extensions["settings"].db_pool_size // 2
    answered = []
    thread = threading.Thread(target=lambda: answered.append(guard.pull(wait=5)))
    try:
        thread.start()
        time.sleep(0.3)
        assert manager.pull(wait=0)["changes"] == []  # a plain pull is answered at once
        assert not answered  # the long poll waits for a place to read
    finally:
        for _ in range(taken):
            places.release()
    manager.push(manager.note("news"))
    thread.join(5)
    assert [c["data"]["text"] for c in answered[0]["changes"]] == ["news"]
