"""Woken waiters of one scope at one cursor share one re-read of the feed (#16)."""
from __future__ import annotations

import threading
import time

from sync import page_read
from sync.notify import Hub
from sync.shared_read import SharedReads


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_a_read_begun_after_a_wake_up_is_shared_with_the_waiters_it_woke():
    generation = [3]
    reads, read = SharedReads(lambda: generation[0]), Counter()
    assert reads.read("scope@7", 3, read) == 1
    assert reads.read("scope@7", 2, read) == 1  # woken earlier: the read began after it
    assert reads.read("scope@7", 3, read) == 1
    assert reads.read("other@7", 3, read) == 2  # another key reads for itself
    assert read.calls == 2


def test_a_waiter_woken_after_the_read_began_reads_anew():
    generation = [3]
    reads, read = SharedReads(lambda: generation[0]), Counter()
    assert reads.read("scope@7", 3, read) == 1
    generation[0] = 4  # a later commit's wake-up: the first read may not hold it
    assert reads.read("scope@7", 4, read) == 2
    assert reads.read("scope@7", 4, read) == 2
    assert read.calls == 2


def test_waiters_of_a_read_in_flight_wait_for_it_and_a_failed_one_is_not_shared():
    reads = SharedReads(lambda: 1)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("first")
        started.set()
        release.wait(5)
        raise OSError("the connection dropped")

    def own() -> str:
        calls.append("own")
        return "own page"

    first_error: list[BaseException] = []
    first = threading.Thread(target=lambda: _catch(first_error, lambda: reads.read("k", 1, slow)))
    first.start()
    started.wait(5)
    answers: list[str] = []
    second = threading.Thread(target=lambda: answers.append(reads.read("k", 1, own)))
    second.start()
    time.sleep(0.1)
    assert calls == ["first"], "the second waits for the read in flight"
    release.set()
    first.join(5), second.join(5)
    assert isinstance(first_error[0], OSError)
    assert answers == ["own page"] and calls == ["first", "own"]
    assert reads.read("k", 1, own) == "own page" and calls == ["first", "own", "own"], "a failed read is forgotten"


def _catch(out: list, call) -> None:  # noqa: ANN001
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        out.append(exc)


def test_only_so_many_keys_are_kept():
    reads, read = SharedReads(lambda: 1, size=2), Counter()
    for key in ("a", "b", "c"):
        reads.read(key, 1, read)
    assert reads.read("c", 1, read) == 3 and reads.read("a", 1, read) == 4  # "a" was forgotten first


def test_the_hub_stamps_each_woken_waiter_with_the_wake_up_count():
    hub = Hub("test-generation", None)
    here, there = hub.subscribe(frozenset({"branch:1"})), hub.subscribe(frozenset({"branch:2"}))
    hub.wake({"branch:1"})
    assert (here.woken_at, there.woken_at, hub.generation) == (1, 0, 1)
    hub.wake({"branch:2"})
    hub.wake(None)
    assert (here.woken_at, there.woken_at, hub.generation) == (3, 3, 3)


def test_the_waiters_of_one_scope_woken_by_one_commit_read_the_feed_once(device, notes, monkeypatch):
    guards, manager = [device("guard", client_id=None) for _ in range(6)], device("lobby_manager")
    manager.push(manager.note("warm-up"))
    for guard in guards:
        guard.sync()
    assert len({guard.cursor.split(".")[2] for guard in guards}) == 1, "one head"
    hub = notes.extensions["sync_engine"].notifier.hub
    first: list[int] = []
    reads: list[int] = []
    real = page_read.read

    def counted(conn, audiences, after, limit, *rest, **kw):  # noqa: ANN001, ANN202
        out = real(conn, audiences, after, limit, *rest, **kw)
        (first if rest else reads).append(after)  # a pull's first read probes its client
        return out

    monkeypatch.setattr(page_read, "read", counted)
    answers: list[dict] = []
    threads = [threading.Thread(target=lambda g=g: answers.append(g.pull(wait=10))) for g in guards]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while (hub.waiting < len(guards) or len(first) < len(guards)) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # past their first reads, asleep
    assert hub.waiting == len(guards) and not reads
    before = hub.generation
    manager.push(manager.note("news"))
    for thread in threads:
        thread.join(10)
    assert [[c["data"]["text"] for c in a["changes"]] for a in answers] == [["news"]] * len(guards)
    # One read per wake-up at most: the commit's own, and its NOTIFY coming back to this
    # process (PostgreSQL) or the poll seeing it (SQLite), when a waiter woke in between.
    wakes = hub.generation - before
    assert 1 <= len(reads) <= wakes <= 2, (reads, wakes)


def test_while_the_listener_is_down_each_waiter_reads_anew_every_second(device, notes, monkeypatch):
    # No wake-up comes (lost), so no read may be reused: each timed re-read is begun then.
    guard, manager = device("guard"), device("lobby_manager")
    manager.push(manager.note("warm-up"))
    guard.sync()
    hub = notes.extensions["sync_engine"].notifier.hub
    monkeypatch.setattr(Hub, "healthy", property(lambda self: False))
    monkeypatch.setattr(hub, "wake", lambda *args, **kwargs: None)
    answers: list[dict] = []
    waiting = threading.Thread(target=lambda: answers.append(guard.pull(wait=8)))
    started = time.monotonic()
    waiting.start()
    time.sleep(1.5)  # past its first timed re-read, which found nothing
    manager.push(manager.note("news"))
    waiting.join(10)
    assert [c["data"]["text"] for c in answers[0]["changes"]] == ["news"]
    assert time.monotonic() - started < 4
