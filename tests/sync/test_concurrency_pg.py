"""Many pushers and pullers at once on PostgreSQL: no committed change is ever skipped (#3).

sync-protocol "Pull": a pull from a cursor returns every change in scope committed after
it, once, in order, also with many pushes committing at once. The app runs behind a real
threaded HTTP server on 127.0.0.1; every thread is a device with its own connection.

Commit order is made adversarial: a ``before_commit`` listener that runs after the feed's
(so after the transaction took its seqs) sleeps a random few milliseconds, so the window
between "seqs handed out" and "COMMIT" is wide while other pushers queue and pullers read.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any, Callable, Iterator

import pytest
from proof_support import Wire, accounts_of, install_append, note_rows, pull_body, push_body
from sqlalchemy import event
from sqlalchemy.orm import Session
from sync_testing import readable_tags
from werkzeug.serving import make_server

from server.extensions import db
from sync.feed import WAKE_KEY

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

PUSHERS = ["DEMO01-G1", "DEMO01-G2", "DEMO01-C1", "DEMO01-O1", "DEMO01-T1", "DEMO01-RM1", "DEMO01-LM1", "DEMO01-SQ1"]
PULLERS = ["DEMO01-OM1", "DEMO01-BP1", "DEMO01-AD1", "DEMO01-G2"]  # the guard's second phone reads public only
PUSHES_EACH = 12


@pytest.fixture
def db_url(pg_database: str) -> str:
    """This module runs on PostgreSQL only (under CI an unreachable server fails)."""
    return pg_database


@pytest.fixture
def server(notes: Any) -> Iterator[tuple[str, int]]:
    """The note app behind a threaded HTTP server on a free loopback port."""
    install_append(notes)
    httpd = make_server("127.0.0.1", 0, notes, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_port
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


@pytest.fixture
def late_commits() -> Iterator[None]:
    """Hold every transaction that took feed seqs a random 0-15 ms before it commits."""
    rng, held = random.Random(7), []

    def dawdle(session: Session) -> None:
        if WAKE_KEY in session.info:  # sync.feed's listener ran first: the seqs are taken
            held.append(1)
            time.sleep(rng.random() * 0.015)

    event.listen(Session, "before_commit", dawdle)
    yield
    event.remove(Session, "before_commit", dawdle)
    assert held, "no commit was held: the adversary did not run"


def mutation(mid: int, name: str, clock: Any, **args: Any) -> dict[str, Any]:
    return {"id": mid, "name": name, "at": clock.now().isoformat(), "args": args}


def run_threads(targets: list[Callable[[], Any]], timeout: float = 120) -> list[Any]:
    """Start together, join, re-raise the first failure of any thread."""
    barrier = threading.Barrier(len(targets))
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(n: int, target: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[n] = target()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n, t)) for n, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a device thread hung"
    if errors:
        raise errors[0]
    return results


def test_concurrent_pushers_never_make_a_puller_skip_or_repeat_a_change(app, notes, demo, clock, server,
                                                                        late_commits):
    accounts = accounts_of(notes, demo, clock.now())
    committed: dict[str, tuple[str, ...]] = {}  # note id -> tags, for every mutation answered applied
    lock = threading.Lock()
    pushing = threading.Event()
    pushing.set()
    # The pullers' first pull must come before any note: pushes wait for it (a fast push
    # could otherwise commit before a puller's first request is served).
    first_pulls = threading.Barrier(len(PULLERS) + 1)

    def pusher(employee_no: str, seed: int) -> None:
        rng, wire, client_id = random.Random(seed), Wire(accounts[employee_no].token, address=server), uuid.uuid4()
        next_id = 1
        for _ in range(PUSHES_EACH):
            batch = []
            for _ in range(rng.choice([1, 1, 2, 3, 5])):  # varied sizes: transactions of varied length
                tags = rng.choice([["public"], ["customer"]])
                batch.append(mutation(next_id, "note.put", clock, note_id=str(uuid.uuid4()),
                                      text=f"{employee_no}#{next_id}", tags=tags))
                next_id += 1
            status, body = wire.post("/api/sync/push", push_body(client_id, batch, clock.now()))
            assert status == 200, body
            assert [r["status"] for r in body["results"]] == ["applied"] * len(batch)
            with lock:
                committed.update({m["args"]["note_id"]: tuple(m["args"]["tags"]) for m in batch})

    def puller(employee_no: str, seed: int) -> tuple[list[str], set[str]]:
        rng, wire, client_id = random.Random(seed), Wire(accounts[employee_no].token, address=server), uuid.uuid4()
        status, page = wire.post("/api/sync/pull", pull_body(client_id, None, 500))  # before any note
        try:
            assert status == 200 and not [c for c in page["changes"] if c["entity"] == "note"], page
        finally:
            first_pulls.wait(60)
        cursor, seq, received = page["cursor"], notes.extensions["sync_engine"].cursors.decode(page["cursor"]).seq, []
        draining = False
        while True:
            busy = pushing.is_set()
            wait = 1 if seed % 4 == 3 and busy else 0  # one puller long-polls
            status, page = wire.post("/api/sync/pull", pull_body(client_id, cursor, rng.choice([3, 10, 50]), wait))
            assert status == 200 and page["reset"] is False, page
            received += [c["id"] for c in page["changes"] if c["entity"] == "note" and c["op"] == "put"]
            new_seq = notes.extensions["sync_engine"].cursors.decode(page["cursor"]).seq
            assert new_seq >= seq and (new_seq > seq or not page["changes"])
            cursor, seq = page["cursor"], new_seq
            if draining and not page["has_more"]:
                return received, set(readable_tags(accounts[employee_no].role))
            draining = draining or not busy  # one more full pass after the last push committed

    def pushers_then_stop() -> None:
        try:
            first_pulls.wait(60)
            run_threads([lambda n=n, e=e: pusher(e, n) for n, e in enumerate(PUSHERS)])
        finally:
            pushing.clear()

    pullers = [lambda n=n, e=e: puller(e, 100 + n) for n, e in enumerate(PULLERS)]
    pulled = run_threads([pushers_then_stop] + pullers)[1:]

    in_db = note_rows(notes)
    assert set(committed) == set(in_db) and len(committed) >= len(PUSHERS) * PUSHES_EACH
    for (received, tags), employee_no in zip(pulled, PULLERS):
        expected = {nid for nid, note_tags in committed.items() if tags & set(note_tags)}
        assert len(received) == len(set(received)), f"{employee_no} got a change twice"
        missing = expected - set(received)
        assert not missing, f"{employee_no} skipped {len(missing)} committed changes"
        assert set(received) == expected, f"{employee_no} got changes outside its scope"


def test_two_identical_pushes_of_one_client_at_once_are_serialised(app, notes, demo, clock, server, late_commits):
    """sync-protocol "Settled details": both 200, the second reports the first's outcomes as
    duplicates, nothing is applied twice. Round 1 binds a new client; round 2 a known one."""
    account = accounts_of(notes, demo, clock.now())["DEMO01-G1"]
    client_id, note_id = uuid.uuid4(), str(uuid.uuid4())
    for first_id in (1, 4):
        batch = [  # a slow note (0.3 s in its transaction), an append that shows a double apply, a rejection
            mutation(first_id, "note.put", clock, note_id=note_id if first_id == 1 else str(uuid.uuid4()), text="slow"),
            mutation(first_id + 1, "note.append", clock, note_id=note_id, token=f"once{first_id}"),
            mutation(first_id + 2, "note.put", clock, note_id=str(uuid.uuid4()), text="reject"),
        ]

        def send() -> tuple[int, Any]:
            return Wire(account.token, address=server).post("/api/sync/push", push_body(client_id, batch, clock.now()))

        answers = run_threads([send, send])
        assert [status for status, _ in answers] == [200, 200], answers
        bodies = sorted((body for _, body in answers), key=lambda b: bool(b["results"][0].get("duplicate")))
        assert [r["status"] for r in bodies[0]["results"]] == ["applied", "applied", "rejected"]
        assert bodies[1]["results"] == [{**r, "duplicate": True} for r in bodies[0]["results"]]
        assert bodies[0]["last_mutation_id"] == bodies[1]["last_mutation_id"] == first_id + 2
    with notes.app_context():
        log = notes.extensions["sync_engine"].list_mutations(db.session, client_id=client_id, limit=100)
    assert sorted(e["id"] for e in log) == [1, 2, 3, 4, 5, 6]
    assert note_rows(notes)[note_id]["text"] == "slow once1 once4"
