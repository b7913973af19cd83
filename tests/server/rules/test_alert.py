"""Alert rules (#14): which alerts an obligation warrants, and their messages."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from server.rules import alert as RA
from server.rules import compliance as RC

TEN = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
DAY = date(2026, 11, 28)
H, M = timedelta(hours=1), timedelta(minutes=1)


@pytest.mark.parametrize(
    "rule, status, now, expected",
    [
        ("R-SEC-5", RC.MISSED, TEN, {"missed"}),
        ("R-SEC-5", RC.UNCONFIRMED, TEN, {"unconfirmed"}),
        ("R-SEC-5", RC.PENDING, TEN - M, set()),  # hourly patrols do not nag before due
        ("R-OPS-1", RC.PENDING, TEN - 30 * M, {"due_soon"}),
        ("R-OPS-1", RC.PENDING, TEN - 30 * M - timedelta(microseconds=1), set()),
        ("R-OPS-1", RC.PENDING, TEN, set()),
        ("R-OPS-1", RC.MET, TEN - M, set()),
        ("R-OPS-1", RC.EXCUSED, TEN + H, set()),
    ],
)
def test_alert_kinds(rule, status, now, expected):
    assert RA.alert_kinds(rule, status, TEN, now, {}) == expected


def test_repeated_misses_call_the_branch_president_at_the_threshold():
    assert not RA.is_repeated_miss(2, {})
    assert RA.is_repeated_miss(3, {})
    assert RA.is_repeated_miss(1, {"repeated_miss_threshold": 1})


def test_alert_message_names_the_last_sync_of_a_silent_phone():
    v = RC.Verdict("R-SEC-5", "area", "self_service", DAY, TEN, TEN + H, TEN + H + 10 * M, RC.UNCONFIRMED,
                   detail={"devices": [{"client_id": "c", "staff_id": "g", "synced_until": "2026-11-28T01:40:00Z"}]})
    assert "last synced at 2026-11-28T01:40:00Z" in RA.alert_message("R-SEC-5", "unconfirmed", v)
    assert "last synced" not in RA.alert_message("R-SEC-5", "missed", v)


def test_due_soon_follows_the_branch_setting():
    assert RA.alert_kinds("R-OPS-1", RC.PENDING, TEN, TEN - 45 * M, {"compliance_due_soon_minutes": 60}) == {"due_soon"}
    assert RA.alert_kinds("R-OPS-1", RC.PENDING, TEN, TEN - 45 * M, {}) == set()


def test_alert_messages_in_full():
    v = RC.Verdict("R-SEC-5", "area", "self_service", DAY, TEN, TEN + H, TEN + H + 10 * M, RC.UNCONFIRMED,
                   detail={"devices": [{"client_id": "c", "staff_id": "g", "synced_until": None}]})
    assert RA.alert_message("R-SEC-5", "unconfirmed", v) == (
        "R-SEC-5 unconfirmed: area self_service, due 2026-11-28T03:10:00Z; a phone on duty never synced")
    assert RA.alert_message("R-SEC-5", "missed") == "R-SEC-5 missed"
