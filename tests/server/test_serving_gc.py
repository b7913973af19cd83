"""The production worker runs Python's full collection on a timer, not on a waiter's path (#16).

A worker holding thousands of waiting pulls has millions of old objects; CPython's
automatic full collection walked them all every few seconds and stalled every greenlet
of the worker for 0.2–3 s (bench/README.md "Fleet"). ``collect_fully_every`` keeps the
young collections automatic and moves the full one to a timer.
"""
from __future__ import annotations

import gc
import sys

import gevent
import pytest

from server import serving


@pytest.fixture
def collector():
    """The interpreter's collector as it was, restored after the test."""
    threshold = gc.get_threshold()
    yield threshold
    gc.set_threshold(*threshold)
    gc.unfreeze()


def _generations_collected(allocate) -> set[int]:  # noqa: ANN001
    seen: set[int] = set()

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.add(info["generation"])

    gc.callbacks.append(note)
    try:
        allocate()
    finally:
        gc.callbacks.remove(note)
    return seen


def _churn() -> None:
    """Objects in reference cycles that outlive the young collections, as a waiter's do."""
    kept = []
    for i in range(300_000):
        node: list = [i]
        node.append(node)
        kept.append(node)
        if len(kept) > 50_000:
            del kept[:25_000]


def _settle() -> None:
    """A full collection now: CPython runs an automatic one only once the objects promoted
    since the last exceed a quarter of those it kept then, so what this test process
    already holds (a whole suite's worth in a worker) must not decide the outcome; with
    the process frozen (as the worker is, after loading the app) it keeps few."""
    gc.collect()


def test_without_it_the_churn_of_long_lived_objects_triggers_full_collections(collector):
    # the premise: the same churn under the default thresholds does run a full collection
    gc.freeze()
    _settle()
    gc.set_threshold(700, 10, 10)
    assert 2 in _generations_collected(_churn)


def test_young_collections_stay_automatic_and_the_full_one_waits_for_its_timer(collector):
    timer = serving.collect_fully_every(3600)
    _settle()
    try:
        assert gc.get_threshold()[:2] == collector[:2]
        assert gc.get_freeze_count() > 0, "the objects alive after the app loaded are out of every collection"
        seen = _generations_collected(_churn)
        assert 0 in seen and 1 in seen
        assert 2 not in seen
    finally:
        timer.kill()


def test_the_timer_runs_the_full_collection(collector, monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(serving.gc, "collect", lambda *args: calls.append(args))
    timer = serving.collect_fully_every(0.01)
    try:
        gevent.sleep(0.1)
        assert calls and all(args in ((), (2,)) for args in calls)
        assert not timer.dead, "it goes on collecting"
    finally:
        timer.kill()


def test_the_worker_hands_the_gil_to_its_thread_pool_in_short_slices(monkeypatch):
    # A login's Argon2 hash runs on gevent's thread pool and takes the GIL twice; the
    # worker's loop hands it over after SWITCH_INTERVAL, not CPython's 5 ms (#16).
    monkeypatch.setattr(serving.GeventWorker, "load_wsgi", lambda self: None)
    monkeypatch.setattr(serving, "collect_fully_every", lambda seconds: None)
    worker = object.__new__(serving.Worker)
    worker.wsgi = object()
    before = sys.getswitchinterval()
    try:
        worker.load_wsgi()
        assert sys.getswitchinterval() == pytest.approx(serving.SWITCH_INTERVAL)
        assert serving.SWITCH_INTERVAL < before
    finally:
        sys.setswitchinterval(before)
