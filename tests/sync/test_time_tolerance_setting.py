"""The clock tolerance of "Time attribution" is a setting (2 minutes by default)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sync_testing import load_note

from server.extensions import db


@pytest.fixture
def app_overrides():
    return {"sync_clock_tolerance_seconds": 600}


def test_clock_tolerance_is_a_setting(device, notes, clock):
    guard = device("guard")
    note_id = uuid.uuid4()
    guard.push(guard.note(note_id=note_id, at=clock.now() - timedelta(hours=1)), sent_at=clock.now() - timedelta(minutes=9))
    with notes.app_context():
        assert load_note(db.session, note_id)["clock_suspect"] is False
