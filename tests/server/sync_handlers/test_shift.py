"""``shift.start`` and ``shift.end`` through push, and who pulls a shift (R-SEC-2, R-SEC-10)."""
from __future__ import annotations

import pytest

from tests.support.factories import (
    at,
    code,
    end_shift,
    new_id,
    set_branch_settings,
    start_shift,
)
from tests.support.pushpull import mutation, push, push_one, visible


def test_r_sec_2_shift_start_applied_with_times(as_role):
    guard = as_role("guard")
    shift_id, result = start_shift(guard, when=at(-5))
    assert result["status"] == "applied"
    shift = visible(guard, "shift")[shift_id]
    assert shift["post"] == "security" and shift["is_open"] and shift["staff_id"] == guard.staff["id"]
    assert shift["started_at"] == "2026-11-28T01:55:00Z"
    assert set(shift["times"]) == {"device_at", "received_at", "skew_ms", "happened_at", "clock_suspect"}
    assert shift["times"]["received_at"] == "2026-11-28T02:00:00Z"
    assert shift["end_times"] is None  # an open record has no end times (like a box session)


@pytest.mark.parametrize(
    "reader,sees",
    [(("guard", 0), True), (("guard", 1), False), (("cleaner", 0), False), (("onsite", 0), False),
     (("teller", 0), False), (("lobby_manager", 0), True), (("operations_manager", 0), True),
     (("service_quality_officer", 0), True), (("branch_president", 0), True), (("admin", 0), True)],
)
def test_r_sec_2_shift_pulled_by_owner_and_supervisors_only(as_role, reader, sees):
    shift_id, _ = start_shift(as_role("guard"))
    assert (shift_id in visible(as_role(*reader), "shift")) is sees


def test_r_sec_2_overlapping_shift_rejected(as_role):
    guard = as_role("guard")
    start_shift(guard, when=at(-60))
    _, result = start_shift(guard, when=at(0))
    assert code(result) == "shift_overlap" and result["error"]["rule"] == "R-SEC-2"


def test_r_sec_2_start_inside_an_ended_shift_rejected(as_role):
    guard = as_role("guard")
    first, _ = start_shift(guard, when=at(-120))
    end_shift(guard, first, at(-10))
    assert code(start_shift(guard, when=at(-60))[1]) == "shift_overlap"
    assert start_shift(guard, when=at(0))[1]["status"] == "applied"


@pytest.mark.parametrize("role,post,expected", [("guard", "cleaning", "post_not_for_role"),
                                                ("cleaner", "security", "post_not_for_role"),
                                                ("guard", "vault", "unknown_post")])
def test_r_sec_2_post_must_suit_the_role(as_role, role, post, expected):
    assert code(start_shift(as_role(role), post=post)[1]) == expected


def test_r_sec_2_posts_are_a_branch_setting(app, as_role, demo):
    set_branch_settings(app, demo["branch_id"], shift_posts={"lobby": ["guard"]})
    guard = as_role("guard")
    assert start_shift(guard, post="lobby")[1]["status"] == "applied"
    assert code(start_shift(as_role("guard", 1), post="security")[1]) == "unknown_post"


def test_r_sec_2_bank_staff_cannot_start_a_field_shift(as_role):
    assert start_shift(as_role("teller"))[1]["status"] == "rejected"


def test_r_sec_2_shift_id_reused_rejected(as_role):
    shift_id, _ = start_shift(as_role("guard"))
    assert code(start_shift(as_role("guard", 1), shift_id=shift_id)[1]) == "duplicate_record_id"


def test_r_sec_2_shift_end_applied(as_role):
    guard = as_role("guard")
    shift_id, _ = start_shift(guard, when=at(-60))
    assert end_shift(guard, shift_id, at(-1))["status"] == "applied"
    shift = visible(guard, "shift")[shift_id]
    assert shift["ended_at"] == "2026-11-28T01:59:00Z" and not shift["is_open"]
    assert shift["end_times"]["received_at"] == "2026-11-28T02:00:00Z"
    assert set(shift["end_times"]) == set(shift["times"])  # same keys, skew_ms too (#11)


def test_r_sec_2_ending_twice_rejected(as_role):
    guard = as_role("guard")
    shift_id, _ = start_shift(guard, when=at(-60))
    end_shift(guard, shift_id, at(-30))
    assert code(end_shift(guard, shift_id)) == "shift_already_ended"


def test_r_sec_2_ending_someone_elses_shift_rejected(as_role):
    shift_id, _ = start_shift(as_role("guard"), when=at(-60))
    assert code(end_shift(as_role("guard", 1), shift_id)) == "not_shift_owner"


def test_r_sec_2_ending_unknown_shift_rejected(as_role):
    assert code(end_shift(as_role("guard"), new_id())) == "shift_not_found"


def test_r_sec_2_end_before_start_rejected(as_role):
    guard = as_role("guard")
    shift_id, _ = start_shift(guard, when=at(0))
    assert code(end_shift(guard, shift_id, at(-5))) == "shift_end_before_start"


def test_r_sec_2_gap_on_the_post_recorded(as_role):
    g1, g2 = as_role("guard"), as_role("guard", 1)
    first, _ = start_shift(g1, when=at(-120))
    end_shift(g1, first, at(-60))
    second, _ = start_shift(g2, when=at(-15))
    shift = visible(g2, "shift")[second]
    assert shift["gap_minutes"] == 45 and shift["post_gap"] is True and shift["previous_shift_id"] == first


def test_r_sec_2_handover_in_person_is_no_gap(as_role):
    g1, g2 = as_role("guard"), as_role("guard", 1)
    first, _ = start_shift(g1, when=at(-120))
    second, _ = start_shift(g2, when=at(-1))
    shift = visible(g2, "shift")[second]
    assert shift["gap_minutes"] == 0 and shift["post_gap"] is False and shift["previous_shift_id"] == first


def test_r_sec_2_short_gap_within_tolerance(as_role):
    g1, g2 = as_role("guard"), as_role("guard", 1)
    first, _ = start_shift(g1, when=at(-120))
    end_shift(g1, first, at(-5))
    second, _ = start_shift(g2, when=at(0))
    assert visible(g2, "shift")[second]["gap_minutes"] == 5
    assert visible(g2, "shift")[second]["post_gap"] is False


def test_r_sec_2_first_shift_on_a_post_has_no_gap(as_role):
    guard = as_role("guard")
    shift_id, _ = start_shift(guard)
    assert visible(guard, "shift")[shift_id]["gap_minutes"] is None


def test_r_sec_2_invalid_args_rejected(as_role):
    result = push_one(as_role("guard"), "shift.start", {"shift_id": "not-a-uuid", "post": "security"})
    assert result["status"] == "rejected"


def test_r_sec_2_offline_batch_with_a_slow_clock_is_corrected(as_role):
    """A day's work pushed at once from a phone whose clock runs 10 minutes slow."""
    cleaner = as_role("cleaner")
    shift_id, cleaning_id = new_id(), new_id()
    batch = [
        mutation("shift.start", {"shift_id": shift_id, "post": "cleaning"}, at(-130)),
        mutation("cleaning.record", {"cleaning_id": cleaning_id, "area": "lobby", "task": "mop"}, at(-100)),
        mutation("shift.end", {"shift_id": shift_id}, at(-20)),
    ]
    results = push(cleaner, batch, sent_at=at(-10))
    assert [r["status"] for r in results] == ["applied"] * 3
    shift = visible(cleaner, "shift")[shift_id]
    assert shift["started_at"] == "2026-11-28T00:00:00Z" and shift["ended_at"] == "2026-11-28T01:50:00Z"
    assert shift["times"]["clock_suspect"] is True and shift["times"]["skew_ms"] == 600_000
    assert shift["end_times"]["skew_ms"] == 600_000 and shift["end_times"]["happened_at"] == "2026-11-28T01:50:00Z"
    assert visible(cleaner, "cleaning")[cleaning_id]["times"]["happened_at"] == "2026-11-28T00:30:00Z"
