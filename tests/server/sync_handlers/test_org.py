"""Staff records in pulls: field roles get the people they work with; only admins get
login names (R-SEC-10, #12)."""
from __future__ import annotations

import pytest

from server.rules import permissions as P
from server.rules import roles as R
from server.services.demo import DEMO_PEOPLE
from tests.support.pushpull import visible


@pytest.mark.parametrize("role", sorted({role for _, _, role in DEMO_PEOPLE}))
def test_r_sec_10_staff_pull_by_role(as_role, demo, role):
    me = as_role(role)
    held = visible(me, "staff")
    roles = {acc["staff_id"]: acc["role"] for acc in demo["accounts"].values()}
    colleagues = P.STAFF_COLLEAGUES.get(role)
    expected = {sid for sid, r in roles.items() if colleagues is None or r in colleagues or sid == me.staff["id"]}
    assert set(held) == expected
    for data in held.values():
        assert ("employee_no" in data) is (role == R.ADMIN)
        assert data["name"] and data["role"]


def test_r_sec_10_onsite_device_holds_only_itself(as_role, demo):
    onsite = as_role("onsite")
    held = visible(onsite, "staff")
    assert set(held) == {onsite.staff["id"]}
    assert "employee_no" not in held[onsite.staff["id"]]


def test_r_sec_10_a_field_role_outside_its_trade_reads_itself():
    for role, colleagues in P.STAFF_COLLEAGUES.items():
        assert (role in P.OWN_RECORD_READERS["staff"]) is (role not in colleagues)


def test_branch_entity_carries_the_effective_settings(app, as_role, demo):
    """Every rule setting reaches the device: the branch's own value where it set one, the
    manual's default otherwise (R-SEC-5 grace, R-CMP-5 hand-offs), read through
    ``rules.settings.value``; ``settings`` stays the branch's own values only (#15)."""
    import uuid

    from server.extensions import db
    from server.models.org import Branch
    from server.rules.settings import DEFAULTS
    from server.sync_setup import record_put

    with app.app_context():
        branch = db.session.get(Branch, uuid.UUID(demo["branch_id"]))
        branch.settings = {"patrol_grace_minutes": 7}
        record_put("branch", branch)
        db.session.commit()
    held = visible(as_role("guard"), "branch")[demo["branch_id"]]
    effective = held["effective_settings"]
    assert set(effective) == set(DEFAULTS)
    assert effective["patrol_grace_minutes"] == 7
    assert effective["complaint_teller_handoff_minutes"] == DEFAULTS["complaint_teller_handoff_minutes"] == 3
    assert effective["complaint_lobby_handoff_minutes"] == 10
    assert held["settings"] == {"patrol_grace_minutes": 7}
