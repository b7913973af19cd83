"""Aware UTC everywhere: the clock and the column type refuse naive datetimes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.extensions import db
from server.models.org import Branch
from server.services.org import create_branch


def test_fixed_clock_moves_only_when_told():
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert clock.now() == clock.now()
    assert clock.advance(minutes=5) == datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))


def test_utc_datetime_round_trips_aware_and_refuses_naive(app):
    with app.app_context():
        shanghai = timezone(timedelta(hours=8))
        create_branch("B1", "b", datetime(2026, 11, 28, 10, 0, tzinfo=shanghai))
        db.session.commit()
        loaded = db.session.scalar(select(Branch).where(Branch.code == "B1"))
        db.session.refresh(loaded)
        assert loaded.created_at == datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
        assert loaded.created_at.utcoffset() == timedelta(0)
        loaded.updated_at = datetime(2026, 11, 28, 2, 0)
        with pytest.raises(Exception) as info:
            db.session.commit()
        assert "naive" in str(info.value)
        db.session.rollback()
