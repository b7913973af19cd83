"""Who pulls obligations (#15, R-SEC-5, R-SEC-10): the branch's supervisors every rule's;
its guards the self-service area's patrol hours (R-SEC-5), so the hour grid shows the
server's verdict, and no other rule's; another branch's guard none of them."""
from __future__ import annotations

import uuid
from datetime import timedelta

from server.rules import permissions as P
from server.services import compliance as C
from tests.conftest import RoleClient, login
from tests.support.factories import OTHER_PASSWORD, other_branch_member
from tests.support.pushpull import mutation, push, visible


def _guard_patrols_and_the_day_is_judged(app, demo, as_role, clock):
    guard = as_role("guard")
    day = clock.now()
    results = push(guard, [
        mutation("shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"}, day - timedelta(hours=2)),
        mutation("patrol.record", {"patrol_id": str(uuid.uuid4()), "checkpoint_code": demo["checkpoints"]["self_service"],
                                   "checks": {"atm": "ok"}, "anomaly": ""}, day - timedelta(minutes=30)),
    ])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    with app.app_context():
        C.evaluate(day)
    return guard


def test_r_sec_5_guard_pulls_its_branchs_patrol_hours_and_no_other_rule(app, demo, as_role, clock):
    guard = _guard_patrols_and_the_day_is_judged(app, demo, as_role, clock)
    everything = visible(as_role("operations_manager"), "obligation")
    patrol_hours = {oid for oid, o in everything.items() if o["rule"] == "R-SEC-5"}
    assert patrol_hours and set(everything) - patrol_hours, "the day must judge R-SEC-5 and another rule"
    held = visible(guard, "obligation")
    assert set(held) == patrol_hours
    assert {o["branch_id"] for o in held.values()} == {demo["branch_id"]}
    assert held == {oid: everything[oid] for oid in patrol_hours}  # the same verdict, status included
    assert any(o["status"] == "met" for o in held.values())


def test_r_sec_10_another_branchs_guard_gets_no_obligation(app, client, demo, as_role, clock):
    _guard_patrols_and_the_day_is_judged(app, demo, as_role, clock)
    _, employee_no = other_branch_member(app, role="guard")
    body = login(client, employee_no, OTHER_PASSWORD)
    assert visible(RoleClient(client, body["token"], body["staff"]), "obligation") == {}


def test_obligation_routes_reach_field_roles_only_for_r_sec_5():
    assert P.OBLIGATION_ROUTES == {"R-SEC-5": frozenset({"guard"})}
    assert P.obligation_audiences("b", "R-SEC-5") == {"b/obligation", "b/obligation/role/guard"}
    assert P.obligation_audiences("b", "R-CMP-6") == {"b/obligation"}
    assert "b/obligation/role/guard" in P.audiences_for("guard", "b")
    assert not any("obligation" in key for key in P.audiences_for("cleaner", "b"))
