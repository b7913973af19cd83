"""Who pulls checkpoints, patrols and incidents (R-SEC-10 permission table), and that a
checkpoint's secret code never reaches a device (R-SEC-5)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.helpers import new_id
from server.rules import permissions as P
from server.rules import roles as R
from sync.registry import Principal

ENTITIES = ("checkpoint", "patrol", "incident")
READS = {
    R.GUARD: {"checkpoint", "patrol", "incident"},
    R.CLEANER: set(),
    R.ONSITE: set(),
    R.TELLER: set(),
    R.RELATIONSHIP_MANAGER: set(),
    R.LOBBY_MANAGER: {"checkpoint", "patrol", "incident"},
    R.SERVICE_QUALITY_OFFICER: {"checkpoint", "patrol", "incident"},
    R.OPERATIONS_MANAGER: {"checkpoint", "patrol", "incident"},
    R.BRANCH_PRESIDENT: {"checkpoint", "patrol", "incident"},
    R.ADMIN: {"checkpoint", "patrol", "incident"},
}


@pytest.mark.parametrize("role", R.ROLES)
def test_scope_of_each_role(app, role):
    branch = uuid.uuid4()
    scope = app.extensions["sync_registry"].scope_for(Principal(uuid.uuid4(), role, branch))
    seen = {e for e in ENTITIES if P.text_audiences(branch, e) & scope.audiences}
    assert seen == READS.get(role, set())
    # A reader outside the customer-data roles reads text entities from the plain twin only (#12).
    full = {e for e in ENTITIES if P.audience(branch, e) in scope.audiences}
    assert full == (seen if role in R.CUSTOMER_DATA_ROLES else seen - P.TEXT_ENTITIES)


def test_checkpoint_entity_never_carries_the_code(app, demo):
    from server.extensions import db
    from server.models.patrol import Checkpoint

    entity = app.extensions["sync_registry"].get_entity("checkpoint")
    with app.app_context():
        cp = db.session.query(Checkpoint).one()
        data = entity.serialize(cp)
        assert "code" not in data and demo["checkpoints"]["self_service"] not in str(data)
        assert set(entity.audiences(cp)) == {P.audience(cp.branch_id, "checkpoint")}
        cp.active = False
        assert set(entity.audiences(cp)) == set()


def test_pull_shows_patrols_and_incidents_only_to_their_readers(as_role, demo, push, pull, on_shift):
    guard = as_role("guard")
    on_shift(guard)
    pid, iid = new_id(), new_id()
    push(guard, [
        ("patrol.record", {"patrol_id": pid, "checkpoint_code": demo["checkpoints"]["self_service"],
                           "checks": {"atm": "ok"}}),
        ("incident.report", {"incident_id": iid, "category": "other", "location": "门口",
                             "description": "x", "severity": "low"}),
    ])
    for role, sees in (("guard", True), ("lobby_manager", True), ("cleaner", False), ("teller", False)):
        got = pull(as_role(role))
        assert (("patrol", pid) in got) is sees, role
        assert (("incident", iid) in got) is sees, role
    for key, data in pull(guard).items():
        if key[0] == "checkpoint":
            assert "code" not in data
