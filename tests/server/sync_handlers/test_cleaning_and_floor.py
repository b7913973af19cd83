"""``cleaning.record`` (R-SEC-6), ``floor_round.record`` (R-OPS-1), ``coaching.record`` (R-OPS-2)."""
from __future__ import annotations

import pytest

from tests.support.factories import at, code, end_shift, new_id, set_branch_settings, start_shift
from tests.support.pushpull import push_one, visible


def clean(rc, when=None, cleaning_id=None):
    cleaning_id = cleaning_id or new_id()
    args = {"cleaning_id": cleaning_id, "area": "self_service", "task": "mop floor", "notes": "wet sign out"}
    return cleaning_id, push_one(rc, "cleaning.record", args, when)


def test_r_sec_6_cleaning_on_shift_applied(as_role):
    cleaner = as_role("cleaner")
    shift_id, _ = start_shift(cleaner, post="cleaning", when=at(-60))
    cleaning_id, result = clean(cleaner, at(-5))
    assert result["status"] == "applied"
    record = visible(cleaner, "cleaning")[cleaning_id]
    assert record["shift_id"] == shift_id and record["area"] == "self_service" and record["notes"] == "wet sign out"
    assert record["times"]["happened_at"] == "2026-11-28T01:55:00Z"


def test_r_sec_6_cleaning_off_shift_rejected(as_role):
    cleaner = as_role("cleaner")
    assert code(clean(cleaner)[1]) == "not_on_shift"
    shift_id, _ = start_shift(cleaner, post="cleaning", when=at(-60))
    end_shift(cleaner, shift_id, at(-30))
    assert code(clean(cleaner, at(-10))[1]) == "not_on_shift"


def test_r_sec_6_late_synced_cleaning_counts_by_when_it_was_done(as_role):
    cleaner = as_role("cleaner")
    shift_id, _ = start_shift(cleaner, post="cleaning", when=at(-120))
    end_shift(cleaner, shift_id, at(-30))
    assert clean(cleaner, at(-60))[1]["status"] == "applied"


@pytest.mark.parametrize("role", ["guard", "teller", "lobby_manager"])
def test_r_sec_6_only_cleaners_record_cleaning(as_role, role):
    assert clean(as_role(role))[1]["status"] == "rejected"


@pytest.mark.parametrize(
    "reader,sees",
    [("cleaner", True), ("guard", False), ("onsite", False), ("teller", False),
     ("lobby_manager", True), ("operations_manager", True), ("admin", True)],
)
def test_r_sec_6_cleaning_pulled_by_cleaner_and_supervisors(as_role, reader, sees):
    cleaner = as_role("cleaner")
    start_shift(cleaner, post="cleaning", when=at(-60))
    cleaning_id, _ = clean(cleaner)
    assert (cleaning_id in visible(as_role(reader), "cleaning")) is sees


def test_r_sec_6_cleaning_id_reused_rejected(as_role):
    cleaner = as_role("cleaner")
    start_shift(cleaner, post="cleaning", when=at(-60))
    cleaning_id, _ = clean(cleaner)
    assert code(clean(cleaner, cleaning_id=cleaning_id)[1]) == "duplicate_record_id"


def floor_round(rc, slot="0930", when=None, round_id=None):
    round_id = round_id or new_id()
    args = {"round_id": round_id, "slot": slot, "findings": "contact plans filed", "posts_checked": ["lobby", "teller"]}
    return round_id, push_one(rc, "floor_round.record", args, when)


def test_r_ops_1_floor_round_recorded_against_its_slot(as_role):
    manager = as_role("operations_manager")
    round_id, result = floor_round(manager, when=at(-22))  # 09:38 local
    assert result["status"] == "applied"
    record = visible(manager, "floor_round")[round_id]
    assert record["business_date"] == "2026-11-28" and record["scheduled_at"] == "2026-11-28T01:30:00Z"
    assert record["minutes_from_slot"] == 8 and record["posts_checked"] == ["lobby", "teller"]
    assert "happened_at" in record["times"]


def test_r_ops_1_unknown_slot_rejected(as_role):
    assert code(floor_round(as_role("operations_manager"), slot="1200")[1]) == "unknown_slot"


def test_r_ops_1_slot_recorded_once_a_day(as_role):
    manager = as_role("operations_manager")
    floor_round(manager)
    assert code(floor_round(manager)[1]) == "slot_already_recorded"
    assert floor_round(manager, slot="1130", when=at(95))[1]["status"] == "applied"


def test_r_ops_1_slots_are_a_branch_setting(app, as_role, demo):
    set_branch_settings(app, demo["branch_id"], floor_round_slots={"1000": "10:00"})
    manager = as_role("operations_manager")
    assert code(floor_round(manager, slot="0930")[1]) == "unknown_slot"
    round_id, result = floor_round(manager, slot="1000", when=at(3))
    assert result["status"] == "applied" and visible(manager, "floor_round")[round_id]["minutes_from_slot"] == 3


@pytest.mark.parametrize("role", ["lobby_manager", "guard", "branch_president", "admin"])
def test_r_ops_1_only_the_operations_manager_records_rounds(as_role, role):
    assert floor_round(as_role(role))[1]["status"] == "rejected"


@pytest.mark.parametrize(
    "reader,sees",
    [("operations_manager", True), ("branch_president", True), ("service_quality_officer", True),
     ("lobby_manager", True), ("admin", False), ("guard", False), ("cleaner", False), ("onsite", False),
     ("teller", False)],
)
def test_r_ops_1_floor_rounds_never_reach_field_devices(as_role, reader, sees):
    round_id, _ = floor_round(as_role("operations_manager"))
    assert (round_id in visible(as_role(reader), "floor_round")) is sees


def test_r_ops_2_coaching_recorded(as_role):
    manager = as_role("operations_manager")
    demo_id = new_id()
    result = push_one(manager, "coaching.record", {"demo_id": demo_id, "topic": "greeting at the door",
                                                   "notes": "showed new teller", "trigger": "problem_seen"})
    assert result["status"] == "applied"
    record = visible(manager, "coaching")[demo_id]
    assert record["trigger"] == "problem_seen" and record["business_date"] == "2026-11-28"
    assert demo_id not in visible(as_role("guard"), "coaching")
    again = push_one(manager, "coaching.record", {"demo_id": demo_id, "topic": "x"})
    assert code(again) == "duplicate_record_id"


def test_r_ops_2_coaching_defaults_to_scheduled_and_checks_trigger(as_role):
    manager = as_role("operations_manager")
    demo_id = new_id()
    push_one(manager, "coaching.record", {"demo_id": demo_id, "topic": "cash counting"})
    assert visible(manager, "coaching")[demo_id]["trigger"] == "scheduled"
    bad = push_one(manager, "coaching.record", {"demo_id": new_id(), "topic": "x", "trigger": "whim"})
    assert bad["status"] == "rejected"
    assert push_one(as_role("teller"), "coaching.record", {"demo_id": new_id(), "topic": "x"})["status"] == "rejected"
