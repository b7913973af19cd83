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
