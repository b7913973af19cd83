"""Free text a customer-data role writes never reaches a field device or an admin
(R-SEC-10, #12; docs/customer-data.md)."""
from __future__ import annotations

from tests.support.pushpull import push_one, visible
from tests.server.sync_handlers.test_incident import incidents, report_args

MARKER = "客户张三 13800138000"


def test_r_sec_10_a_lobby_managers_incident_reaches_guards_without_its_text(as_role, demo):
    lobby, guard, admin, sqo = as_role("lobby_manager"), as_role("guard"), as_role("admin"), as_role("service_quality_officer")
    args = report_args(description=f"complaint by {MARKER}", location=f"counter 3 with {MARKER}")
    assert push_one(lobby, "incident.report", args)["status"] == "applied"
    held = visible(guard, "incident")[args["incident_id"]]
    assert held["description"] is None and held["location"] is None and held["text_withheld"] is True
    assert held["category"] == args["category"] and held["severity"] == args["severity"]
    full = visible(sqo, "incident")[args["incident_id"]]
    assert full["description"] == args["description"] and full["text_withheld"] is False
    for who, withheld in ((admin, True), (guard, True), (sqo, False), (lobby, False)):
        [row] = [i for i in incidents(who, demo, status="all")["items"] if i["id"] == args["incident_id"]]
        assert (MARKER in str(row)) is not withheld
        assert row["text_withheld"] is withheld


def test_r_sec_10_a_guards_own_text_stays_but_a_managers_resolution_is_withheld(as_role, demo):
    guard, lobby = as_role("guard"), as_role("lobby_manager")
    args = report_args(description="ATM 2 door jammed")
    push_one(guard, "incident.report", args)
    assert visible(guard, "incident")[args["incident_id"]]["description"] == "ATM 2 door jammed"
    resolved = push_one(lobby, "incident.resolve", {"incident_id": args["incident_id"], "resolution": f"called {MARKER}"})
    assert resolved["status"] == "applied"
    held = visible(guard, "incident")[args["incident_id"]]
    assert held["description"] == "ATM 2 door jammed" and held["resolution"] is None and held["status"] == "resolved"
    assert held["customer_text"] == ["resolution"] and held["text_withheld"] is True
    assert visible(lobby, "incident")[args["incident_id"]]["resolution"] == f"called {MARKER}"


def test_r_sec_10_a_managers_item_resolution_reaches_the_holder_without_its_text(as_role, demo):
    from tests.support.factories import at, start_shift
    from tests.server.sync_handlers.test_handover import hand_over

    g1, g2, manager, admin = as_role("guard"), as_role("guard", 1), as_role("operations_manager"), as_role("admin")
    shift_id, _ = start_shift(g1, when=at(-480))
    hand_over(g1, shift_id, g2.staff["id"], items=("ATM 2 jammed",))
    [item_id] = visible(g2, "handover_item")
    closed = push_one(manager, "handover.item.close", {"item_id": item_id, "resolution": f"refunded {MARKER}"})
    assert closed["status"] == "applied"
    for reader in (g1, admin):  # the holder (the offer to g2 ended with the close)
        held = visible(reader, "handover_item")[item_id]
        assert held["status"] == "closed" and held["resolution"] is None and held["text"] == "ATM 2 jammed"
    assert visible(manager, "handover_item")[item_id]["resolution"] == f"refunded {MARKER}"


def test_r_sec_10_roster_notes_by_a_manager_reach_the_guard_without_them(as_role, demo):
    manager, admin, guard = as_role("operations_manager"), as_role("admin"), as_role("guard")
    body = {"post": "security", "starts_at": "2026-11-29T18:00:00+08:00", "ends_at": "2026-11-30T02:00:00+08:00",
            "staff_id": guard.staff["id"], "notes": f"watch for {MARKER}"}
    made = manager.post(f"/api/branches/{demo['branch_id']}/roster", json=body)
    assert made.status_code == 201, made.get_json()
    roster_id = made.get_json()["id"]
    assert visible(guard, "roster_shift")[roster_id]["notes"] is None
    assert visible(admin, "roster_shift")[roster_id]["notes"] is None
    got = admin.get(f"/api/branches/{demo['branch_id']}/roster/{roster_id}")  # REST: the same gate
    assert got.status_code == 200 and MARKER not in got.get_data(as_text=True) and got.get_json()["text_withheld"]
    # Notes an admin writes are not a customer-data role's: they reach the guard.
    patched = admin.patch(f"/api/branches/{demo['branch_id']}/roster/{roster_id}", json={"notes": "bring the key"})
    assert patched.status_code == 200
    assert visible(guard, "roster_shift")[roster_id]["notes"] == "bring the key"
