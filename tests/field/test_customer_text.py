"""Free text a customer-data role writes never reaches a field device or an admin
(R-SEC-10, #12; docs/customer-data.md)."""
from __future__ import annotations

from tests.field.pushpull import push_one, visible
from tests.field.test_incidents import incidents, report_args

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
        [row] = [i for i in incidents(who, demo, status="all")["incidents"] if i["id"] == args["incident_id"]]
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
