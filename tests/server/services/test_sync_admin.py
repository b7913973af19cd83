"""The mutation log is no second read path around the permission table (R-SEC-10, #12)."""
from __future__ import annotations

import pytest

from server.rules import permissions as P
from server.rules import roles as R
from tests.support.factories import new_id
from tests.support.device import device_of
from tests.support.pushpull import push_one

MARKER = "客户 Marker 13800138000"


def test_r_sec_10_every_mutation_names_the_entity_its_args_describe():
    assert set(P.MUTATION_ENTITY) == set(P.MUTATION_ROLES)
    assert set(P.MUTATION_ENTITY.values()) <= set(P.ENTITY_READERS) | set(P.ROLE_ROUTED_READERS)


@pytest.mark.parametrize("reader, author, mutation, readable", [
    (R.ADMIN, R.OPERATIONS_MANAGER, "floor_round.record", False),  # admins never read rounds
    (R.OPERATIONS_MANAGER, R.OPERATIONS_MANAGER, "alert.acknowledge", True),  # alerts are routed to it
    (R.GUARD, R.OPERATIONS_MANAGER, "alert.acknowledge", False),
    (R.ADMIN, R.OPERATIONS_MANAGER, "coaching.record", False),
    (R.OPERATIONS_MANAGER, R.OPERATIONS_MANAGER, "floor_round.record", True),
    (R.ADMIN, R.GUARD, "incident.report", True),  # a guard's text reaches every incident reader
    (R.ADMIN, R.LOBBY_MANAGER, "incident.report", False),  # a customer-data role's text does not
    (R.OPERATIONS_MANAGER, R.LOBBY_MANAGER, "incident.report", True),
    (R.ADMIN, R.CLEANER, "cleaning.record", True),
    (R.ADMIN, R.GUARD, "no.such.mutation", False),
    (R.ADMIN, R.GUARD, None, False),
])
def test_r_sec_10_may_read_args(reader, author, mutation, readable):
    assert P.may_read_args(reader, author, mutation) is readable


def _coaching(manager) -> str:
    result = push_one(manager, "coaching.record", {"demo_id": new_id(), "topic": MARKER, "notes": MARKER})
    assert result["status"] == "applied"
    bad = push_one(manager, "floor_round.record", {"round_id": new_id(), "findings": MARKER, "bogus": 1})
    assert bad["status"] == "rejected"
    return str(device_of(manager).client_id)


def test_r_sec_10_admin_reads_the_log_without_args_it_may_not_read(as_role, demo):
    manager, admin = as_role("operations_manager"), as_role("admin")
    client_id = _coaching(manager)
    assert admin.get(f"/api/branches/{demo['branch_id']}/floor-rounds").status_code == 403
    for url in (f"/api/sync/clients/{client_id}/mutations", f"/api/branches/{demo['branch_id']}/rejected-mutations"):
        resp = admin.get(url)
        assert resp.status_code == 200
        assert MARKER not in resp.get_data(as_text=True)
        items = resp.get_json()["items"]
        assert items and all(i["args_withheld"] and i["args"] is None and i["raw"] is None for i in items)
        assert all(i["name"] in {"coaching.record", "floor_round.record"} and i["status"] for i in items)
    rejected = admin.get(f"/api/branches/{demo['branch_id']}/rejected-mutations").get_json()["items"]
    assert rejected[0]["error"]["code"]  # supervisors still see why it was rejected
    # The operations manager reads floor rounds and coaching: the args reach them.
    own = manager.get(f"/api/sync/clients/{client_id}/mutations").get_json()["items"]
    assert all(not i["args_withheld"] for i in own) and MARKER in str([i["args"] or i["raw"] for i in own])


def test_r_sec_10_admin_reads_a_guards_args_but_not_a_lobby_managers(as_role, demo):
    admin, guard, lobby = as_role("admin"), as_role("guard"), as_role("lobby_manager")
    args = {"category": "other", "location": "lobby", "description": MARKER, "severity": "low"}
    push_one(guard, "incident.report", {"incident_id": new_id(), **args})
    push_one(lobby, "incident.report", {"incident_id": new_id(), **args})
    by_guard = admin.get(f"/api/sync/clients/{device_of(guard).client_id}/mutations").get_json()["items"]
    by_lobby = admin.get(f"/api/sync/clients/{device_of(lobby).client_id}/mutations").get_json()["items"]
    assert by_guard[0]["args"]["description"] == MARKER and not by_guard[0]["args_withheld"]
    assert by_lobby[0]["args"] is None and by_lobby[0]["args_withheld"]
