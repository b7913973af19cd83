"""``shift.handover``, ``shift.handover.accept`` and ``handover.item.close`` (R-SEC-2)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.factories import at, code, new_id, other_branch_staff, start_shift
from tests.support.pushpull import push_one, visible


def hand_over(rc, shift_id, to_staff_id, items=("ATM 2 jammed", {"text": "Door alarm test at 14:00"}),
              notes="quiet night", handover_id=None):
    handover_id = handover_id or new_id()
    result = push_one(rc, "shift.handover", {"handover_id": handover_id, "shift_id": shift_id,
                                             "to_staff_id": to_staff_id, "open_items": list(items), "notes": notes})
    return handover_id, result


def accept(rc, handover_id):
    return push_one(rc, "shift.handover.accept", {"handover_id": handover_id})


@pytest.fixture
def pair(as_role):
    """Guard 1 on shift, guard 2 incoming."""
    g1, g2 = as_role("guard"), as_role("guard", 1)
    shift_id, _ = start_shift(g1, when=at(-480))
    return g1, g2, shift_id


def test_r_sec_2_handover_records_items_and_notes(pair):
    g1, g2, shift_id = pair
    handover_id, result = hand_over(g1, shift_id, g2.staff["id"])
    assert result["status"] == "applied"
    handover = visible(g2, "handover")[handover_id]
    assert handover["from_staff_id"] == g1.staff["id"] and handover["to_staff_id"] == g2.staff["id"]
    assert handover["status"] == "pending" and handover["notes"] == "quiet night" and handover["post"] == "security"
    assert [i["text"] for i in handover["items"]] == ["ATM 2 jammed", "Door alarm test at 14:00"]
    assert "happened_at" in handover["times"]
    items = visible(g2, "handover_item")
    assert {i["status"] for i in items.values()} == {"open"} and len(items) == 2
    # Items without ids get stable ones derived from the handover id.
    assert handover["items"][0]["id"] == str(uuid.uuid5(uuid.UUID(handover_id), "item-0"))


@pytest.mark.parametrize(
    "reader,sees",
    [(("guard", 0), True), (("guard", 1), True), (("cleaner", 0), False), (("onsite", 0), False),
     (("teller", 0), False), (("operations_manager", 0), True), (("lobby_manager", 0), True)],
)
def test_r_sec_2_handover_pulled_by_both_parties_and_supervisors(pair, as_role, reader, sees):
    g1, g2, shift_id = pair
    handover_id, _ = hand_over(g1, shift_id, g2.staff["id"])
    assert (handover_id in visible(as_role(*reader), "handover")) is sees


def test_r_sec_2_incoming_accepts_and_items_become_theirs(pair):
    g1, g2, shift_id = pair
    handover_id, _ = hand_over(g1, shift_id, g2.staff["id"])
    g2_shift, _ = start_shift(g2, when=at(-1))
    assert accept(g2, handover_id)["status"] == "applied"
    handover = visible(g2, "handover")[handover_id]
    assert handover["status"] == "accepted" and handover["accepted_shift_id"] == g2_shift
    items = visible(g2, "handover_item")
    assert {i["holder_staff_id"] for i in items.values()} == {g2.staff["id"]}
    assert visible(g1, "handover_item") == {}  # handed over: they left the outgoing device
    assert handover_id in visible(g1, "handover")


def test_r_sec_2_open_items_carry_forward_until_closed(pair):
    g1, g2, shift_id = pair
    first, _ = hand_over(g1, shift_id, g2.staff["id"])
    g2_shift, _ = start_shift(g2, when=at(-1))
    accept(g2, first)
    items = visible(g2, "handover_item")
    closed_id = next(i for i, v in items.items() if v["text"] == "ATM 2 jammed")
    assert push_one(g2, "handover.item.close", {"item_id": closed_id, "resolution": "engineer came"})["status"] == "applied"
    second, result = hand_over(g2, g2_shift, g1.staff["id"], items=["Lobby light flickers"])
    assert result["status"] == "applied"
    snapshot = visible(g1, "handover")[second]["items"]
    assert [(i["text"], i["carried"]) for i in snapshot] == [("Door alarm test at 14:00", True),
                                                              ("Lobby light flickers", False)]
    carried = visible(g1, "handover_item")
    assert {v["text"]: v["carried_count"] for v in carried.values()} == {
        "Door alarm test at 14:00": 1, "Lobby light flickers": 0}


def test_r_sec_2_accepting_someone_elses_handover_rejected(pair, as_role):
    g1, g2, shift_id = pair
    handover_id, _ = hand_over(g1, shift_id, g2.staff["id"])
    assert code(accept(g1, handover_id)) == "not_handover_recipient"
    assert code(accept(as_role("cleaner"), handover_id)) == "not_handover_recipient"


def test_r_sec_2_accepting_twice_rejected(pair):
    g1, g2, shift_id = pair
    handover_id, _ = hand_over(g1, shift_id, g2.staff["id"])
    accept(g2, handover_id)
    assert code(accept(g2, handover_id)) == "handover_already_accepted"


def test_r_sec_2_accepting_unknown_handover_rejected(as_role):
    assert code(accept(as_role("guard"), new_id())) == "handover_not_found"


def test_r_sec_2_handover_to_someone_outside_the_branch_rejected(app, pair):
    g1, _, shift_id = pair
    assert code(hand_over(g1, shift_id, other_branch_staff(app))[1]) == "recipient_not_in_branch"
    assert code(hand_over(g1, shift_id, new_id())[1]) == "recipient_not_in_branch"


def test_r_sec_2_handover_to_self_rejected(pair):
    g1, _, shift_id = pair
    assert code(hand_over(g1, shift_id, g1.staff["id"])[1]) == "handover_to_self"


def test_r_sec_2_handing_over_twice_rejected(pair):
    g1, g2, shift_id = pair
    hand_over(g1, shift_id, g2.staff["id"])
    assert code(hand_over(g1, shift_id, g2.staff["id"])[1]) == "shift_already_handed_over"


def test_r_sec_2_handing_over_someone_elses_shift_rejected(pair, as_role):
    g1, g2, shift_id = pair
    assert code(hand_over(g2, shift_id, as_role("cleaner").staff["id"])[1]) == "not_shift_owner"
    assert code(hand_over(g2, new_id(), g1.staff["id"])[1]) == "shift_not_found"


def test_r_sec_2_rejected_handover_leaves_nothing(pair):
    g1, g2, shift_id = pair
    hand_over(g1, shift_id, g2.staff["id"])
    hand_over(g1, shift_id, g2.staff["id"], items=["should not exist"])
    assert "should not exist" not in {i["text"] for i in visible(g2, "handover_item").values()}


def test_r_sec_2_item_close_rules(pair, as_role):
    g1, g2, shift_id = pair
    handover_id, _ = hand_over(g1, shift_id, g2.staff["id"])
    item_id = str(uuid.uuid5(uuid.UUID(handover_id), "item-0"))
    other = str(uuid.uuid5(uuid.UUID(handover_id), "item-1"))
    assert code(push_one(g2, "handover.item.close", {"item_id": item_id})) == "not_item_holder"
    assert code(push_one(g1, "handover.item.close", {"item_id": new_id()})) == "item_not_found"
    assert push_one(g1, "handover.item.close", {"item_id": item_id})["status"] == "applied"
    assert code(push_one(g1, "handover.item.close", {"item_id": item_id})) == "item_already_closed"
    manager = as_role("operations_manager")
    assert push_one(manager, "handover.item.close", {"item_id": other, "resolution": "done"})["status"] == "applied"
    assert visible(manager, "handover_item")[other]["closed_by"] == manager.staff["id"]
    assert push_one(as_role("teller"), "handover.item.close", {"item_id": other})["status"] == "rejected"


def test_r_sec_2_item_ids_must_be_new(pair):
    g1, g2, shift_id = pair
    same = new_id()
    items = [{"item_id": same, "text": "a"}, {"item_id": same, "text": "b"}]
    assert code(hand_over(g1, shift_id, g2.staff["id"], items=items)[1]) == "duplicate_record_id"
    first, _ = hand_over(g1, shift_id, g2.staff["id"], items=[{"item_id": same, "text": "a"}])
    g2_shift, _ = start_shift(g2, when=at(-1))
    reused = hand_over(g2, g2_shift, g1.staff["id"], items=[{"item_id": same, "text": "again"}])[1]
    assert code(reused) == "duplicate_record_id"
