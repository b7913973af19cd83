"""sync-protocol "Time attribution": skew, happened_at and each clock_suspect reason."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sync_testing import load_note

from server.extensions import db
from sync.timing import attribute
from tests_time import T0

TOL = timedelta(minutes=2)


def test_happened_at_is_at_corrected_by_the_push_skew():
    t = attribute(T0 - timedelta(minutes=10), sent_at=T0 - timedelta(seconds=30), received_at=T0,
                  previous_at=None, tolerance=TOL)
    assert t.skew == timedelta(seconds=30)
    assert t.happened_at == T0 - timedelta(minutes=10) + timedelta(seconds=30)
    assert (t.clock_suspect, t.suspect_reasons) == (False, ())


@pytest.mark.parametrize(
    "at, sent, previous, reasons",
    [
        (-10, -3, None, ("skew",)),  # device clock 3 minutes behind
        (-10, +3, None, ("skew",)),  # ... or ahead
        (-10, -2, None, ()),  # exactly the tolerance is fine
        (-10, 0, -5, ("backwards",)),
        (-10, -5, -5, ("skew", "backwards")),  # earlier than the previous mutation's at
        (-10, 0, -10, ()),  # the same instant is not backwards
        (+1, 0, None, ("future",)),  # claims to be newer than its own push
        (+5, -3, -1, ("skew", "future")),  # skew +3m: happened_at = T0+8m
    ],
)
def test_clock_suspect_reasons(at, sent, previous, reasons):
    m = lambda n: T0 + timedelta(minutes=n)  # noqa: E731
    t = attribute(m(at), sent_at=m(sent), received_at=T0,
                  previous_at=m(previous) if previous is not None else None, tolerance=TOL)
    assert t.suspect_reasons == reasons
    assert t.clock_suspect is bool(reasons)


def _stored(app, note_id):
    with app.app_context():
        return load_note(db.session, note_id)


def test_handler_gets_times_and_the_log_keeps_them(device, notes, clock):
    guard = device("guard")
    note_id = uuid.uuid4()
    at = clock.now() - timedelta(minutes=10)
    guard.push(guard.note(note_id=note_id, at=at.isoformat()), sent_at=clock.now() - timedelta(seconds=30))
    row = _stored(notes, note_id)
    assert row["happened_at"] == at + timedelta(seconds=30) and row["clock_suspect"] is False
    with notes.app_context():
        (entry,) = notes.extensions["sync_engine"].list_mutations(db.session, client_id=guard.client_id)
    assert entry["skew_ms"] == 30_000 and entry["clock_suspect"] is False
    assert entry["happened_at"] == (at + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")


def test_at_with_any_offset_is_read_as_the_instant_it_names(device, notes, clock):
    guard = device("guard")
    note_id = uuid.uuid4()
    guard.push(guard.note(note_id=note_id, at="2026-11-28T09:50:00+08:00"))  # = 01:50Z
    assert _stored(notes, note_id)["happened_at"] == clock.now() - timedelta(minutes=10)


def test_skew_over_two_minutes_flags_clock_suspect(device, notes, clock):
    guard = device("guard")
    note_id = uuid.uuid4()
    guard.push(guard.note(note_id=note_id, at=clock.now() - timedelta(hours=1)), sent_at=clock.now() - timedelta(minutes=3))
    assert _stored(notes, note_id)["clock_suspect"] is True


def test_at_running_backwards_against_the_previous_mutation_flags_it_across_pushes(device, notes, clock):
    guard = device("guard")
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    guard.push(guard.note(note_id=first, at=clock.now() - timedelta(minutes=5)))
    guard.push(guard.note(note_id=second, at=clock.now() - timedelta(minutes=20)),
               guard.note(note_id=third, at=clock.now() - timedelta(minutes=19)))
    assert [_stored(notes, n)["clock_suspect"] for n in (first, second, third)] == [False, True, False]


def test_happened_at_in_the_future_flags_clock_suspect(device, notes, clock):
    guard = device("guard")
    note_id = uuid.uuid4()
    guard.push(guard.note(note_id=note_id, at=clock.now() + timedelta(minutes=1)))
    assert _stored(notes, note_id)["clock_suspect"] is True


def test_late_sync_keeps_when_it_happened(device, notes, clock):
    """domain.md: a patrol done at 10:05 and synced at 12:30 keeps 10:05."""
    guard = device("guard")
    note_id = uuid.uuid4()
    done = clock.now()
    clock.advance(hours=2, minutes=25)
    guard.push(guard.note(note_id=note_id, at=done))
    row = _stored(notes, note_id)
    assert row["happened_at"] == done and row["clock_suspect"] is False


def test_absurd_at_is_invalid_at_not_an_overflow(device):
    guard = device("guard")
    body = guard.push(guard.note(at="9999-12-31T23:59:59+00:00"), sent_at="1971-01-01T00:00:00+00:00")
    assert body["results"][0]["error"]["code"] == "invalid_at"
