"""Protection of a host's waiting pulls (#16): one per client, a cap, revocation, shutdown."""
from __future__ import annotations

import threading
import time

import pytest

from sync.notify import CLOSING, SUPERSEDED, Hub


def test_hub_cap_refuses_past_the_limit_and_frees_a_place_on_unsubscribe():
    hub = Hub("test-cap", None)
    first = hub.subscribe(frozenset({"a"}), limit=2)
    second = hub.subscribe(frozenset({"b"}), limit=2)
    assert first is not None and second is not None and hub.waiting == 2
    assert hub.subscribe(frozenset({"c"}), limit=2) is None
    hub.unsubscribe(first)
    assert hub.subscribe(frozenset({"c"}), limit=2) is not None


def test_hub_one_waiter_per_owner_even_at_the_cap():
    hub = Hub("test-owner", None)
    old = hub.subscribe(frozenset({"a"}), owner="client-1", limit=1)
    new = hub.subscribe(frozenset({"a"}), owner="client-1", limit=1)  # replaces, so the cap holds
    assert old.released == SUPERSEDED and old.event.is_set()
    assert new is not None and new.released is None and hub.waiting == 1
    hub.unsubscribe(old)  # the released one leaving does not drop its successor
    hub.wake({"a"})
    assert new.event.is_set() and hub.waiting == 1


def test_hub_wakes_by_audience_and_marks_only_the_watched_waiter_for_a_recheck():
    hub = Hub("test-watch", None)
    mine = hub.subscribe(frozenset({"branch:1"}), watch="~session:1")
    other = hub.subscribe(frozenset({"branch:1"}), watch="~session:2")
    elsewhere = hub.subscribe(frozenset({"branch:2"}))
    hub.wake({"branch:1"})
    assert mine.event.is_set() and other.event.is_set() and not elsewhere.event.is_set()
    assert not mine.recheck and not other.recheck
    mine.event.clear(), other.event.clear()
    hub.wake({"~session:1"})
    assert mine.event.is_set() and mine.recheck and not other.event.is_set() and not other.recheck
    hub.wake(None, recheck_all=True)
    assert other.recheck and elsewhere.recheck


def test_hub_release_all_answers_everyone_and_refuses_new_waiters():
    hub = Hub("test-close", None)
    waiters = [hub.subscribe(frozenset({str(i)})) for i in range(3)]
    assert hub.release_all() == 3
    assert all(w.released == CLOSING and w.event.is_set() for w in waiters)
    assert hub.subscribe(frozenset({"x"})) is None


def _in_thread(call):  # noqa: ANN001
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    return thread, out


def test_a_second_wait_of_the_same_client_answers_the_first_at_once(device):
    guard = device("guard")
    guard.sync()
    cursor = guard.cursor
    thread, first = _in_thread(lambda: guard.pull_raw(cursor, wait=20))
    time.sleep(0.5)
    started = time.monotonic()
    second_thread, second = _in_thread(lambda: guard.pull_raw(cursor, wait=1))
    thread.join(5)
    assert first and time.monotonic() - started < 2
    page = first[0].get_json()
    assert first[0].status_code == 200 and page["changes"] == [] and "retry_after_ms" not in page
    second_thread.join(5)
    assert second[0].status_code == 200


class TestCap:
    @pytest.fixture
    def app_overrides(self):
        return {"sync_max_waiters": 1, "sync_retry_after_ms": 3000}

    def test_past_the_cap_a_long_poll_is_answered_at_once_with_retry_after_ms(self, device):
        guard, other = device("guard"), device("guard", index=1)
        guard.sync(), other.sync()
        thread, held = _in_thread(lambda: guard.pull_raw(wait=3))
        time.sleep(0.5)
        started = time.monotonic()
        page = other.pull(wait=20)
        assert time.monotonic() - started < 2
        assert page["retry_after_ms"] == 3000 and page["changes"] == []
        assert not held  # the first is still held
        thread.join(10)
        assert "retry_after_ms" not in held[0].get_json()


def test_a_revoked_session_waiting_is_answered_401_at_once(device):
    guard = device("guard")
    guard.sync()
    thread, answer = _in_thread(lambda: guard.pull_raw(wait=20))
    time.sleep(0.5)
    assert guard.rc.post("/api/auth/logout").status_code == 204
    revoked = time.monotonic()
    thread.join(5)
    assert answer and time.monotonic() - revoked < 2
    assert answer[0].status_code == 401 and answer[0].get_json()["code"] == "unauthenticated"


def test_hub_wakes_through_its_audience_index_and_forgets_every_waiter_it_lets_go():
    """A commit anywhere in the database wakes every process: a wake-up visits the
    waiters of the audiences it names, not all of a process's thousands (#16)."""
    hub = Hub("test-index", None)
    branch = [hub.subscribe(frozenset({"b1", f"b1/own/{i}"}), owner=f"c{i}") for i in range(3)]
    other = hub.subscribe(frozenset({"b2"}), owner="c9")
    hub.wake({"b1/own/1"})
    assert [w.event.is_set() for w in branch] == [False, True, False] and not other.event.is_set()
    hub.wake({"b1", "nobody"})
    assert all(w.event.is_set() for w in branch) and not other.event.is_set()
    hub.subscribe(frozenset({"b3"}), owner="c0")  # supersedes c0's wait: it leaves the index
    hub.wake({"b1/own/0"})
    for waiter in [*branch, other]:
        hub.unsubscribe(waiter)
    assert hub.waiting == 1 and set(hub._by_audience) == {"b3"}
