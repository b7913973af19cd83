"""Long poll with ``redis_url`` set: wake-ups go through Redis pub/sub."""
from __future__ import annotations

import threading
import time

import pytest


@pytest.fixture
def app_overrides(redis_url):
    return {"redis_url": redis_url}


def test_long_poll_wakes_through_redis(device, notes):
    assert notes.extensions["sync_engine"].notifier.channel.startswith("fieldops_sync:")
    guard, manager = device("guard"), device("lobby_manager")
    guard.sync()
    manager.push(manager.note("warm-up"))
    guard.sync()
    thread = threading.Thread(target=lambda: (time.sleep(0.4), manager.push(manager.note("news"))))
    thread.start()
    started = time.monotonic()
    page = guard.pull(wait=10)
    thread.join()
    assert [c["data"]["text"] for c in page["changes"]] == ["news"]
    assert time.monotonic() - started < 5
    notes.extensions["sync_engine"].notifier.close()
