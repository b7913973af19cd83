"""One dialect across features (#11): the answers that used to differ between halves.

- another (or unknown) branch → 404 ``not_found`` on every branch route (R-SEC-10);
  the caller's own branch with a role that may not → 403 ``forbidden``;
- "on shift" is half-open ``[start, end)``: at a shift's exact end instant a patrol and a
  cleaning are both refused ``not_on_shift``;
- a taken record id is ``duplicate_record_id`` for every mutator that makes a record.
"""
from __future__ import annotations

import pytest

from server.rules import patrol as PR
from tests.conftest import login
from tests.support.factories import OTHER_PASSWORD, at, code, end_shift, new_id, other_branch_member, start_shift
from tests.support.pushpull import push_one

BRANCH_READS = ("shifts", "handovers", "unstaffed-posts", "roster", "contractors", "contractors/on-site",
                "contractor-visits", "cleaning", "floor-rounds", "coaching", "patrols?date=2026-11-28",
                "incidents", "checkpoints")


def _url(branch_id, path):
    return f"/api/branches/{branch_id}/{path}"


@pytest.mark.parametrize("path", BRANCH_READS)
def test_r_sec_10_another_branch_is_404_on_every_branch_route(app, client, demo, path):
    _, employee_no = other_branch_member(app, role="operations_manager")
    token = login(client, employee_no, OTHER_PASSWORD)["token"]
    resp = client.get(_url(demo["branch_id"], path), headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404, resp.get_json()
    assert resp.get_json()["code"] == "not_found"


@pytest.mark.parametrize("path", ("shifts", "patrols?date=2026-11-28", "incidents", "checkpoints"))
def test_r_sec_10_unknown_branch_is_404_like_another(as_role, path):
    resp = as_role("operations_manager").get(_url(new_id(), path))
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"


@pytest.mark.parametrize("path", ("shifts", "roster", "cleaning", "incidents", "checkpoints"))
def test_own_branch_wrong_role_is_403_forbidden(as_role, demo, path):
    resp = as_role("teller").get(_url(demo["branch_id"], path))
    assert resp.status_code == 403 and resp.get_json()["code"] == "forbidden"


def _patrol(guard, demo, when, patrol_id=None):
    args = {"patrol_id": patrol_id or new_id(), "checkpoint_code": demo["checkpoints"]["self_service"],
            "checks": {item: "ok" for item in PR.CHECK_ITEMS}}
    return push_one(guard, "patrol.record", args, when)


def _clean(cleaner, when, cleaning_id=None):
    args = {"cleaning_id": cleaning_id or new_id(), "area": "self_service", "task": "mop floor"}
    return push_one(cleaner, "cleaning.record", args, when)


def test_r_sec_2_at_the_shift_end_instant_patrol_and_cleaning_are_both_off_shift(as_role, demo):
    guard, cleaner = as_role("guard"), as_role("cleaner")
    guard_shift, _ = start_shift(guard, post="security", when=at(-120))
    cleaner_shift, _ = start_shift(cleaner, post="cleaning", when=at(-120))
    assert end_shift(guard, guard_shift, at(-30))["status"] == "applied"
    assert end_shift(cleaner, cleaner_shift, at(-30))["status"] == "applied"
    assert code(_patrol(guard, demo, at(-30))) == "not_on_shift"
    assert code(_clean(cleaner, at(-30))) == "not_on_shift"
    # one second earlier both are on shift
    assert _patrol(guard, demo, at(-30, seconds=-1))["status"] == "applied"
    assert _clean(cleaner, at(-30, seconds=-1))["status"] == "applied"


def test_a_taken_record_id_is_duplicate_record_id_everywhere(as_role, demo):
    guard, cleaner = as_role("guard"), as_role("cleaner")
    start_shift(guard, post="security", when=at(-60))
    start_shift(cleaner, post="cleaning", when=at(-60))
    patrol_id, cleaning_id = new_id(), new_id()
    assert _patrol(guard, demo, at(-5), patrol_id)["status"] == "applied"
    assert code(_patrol(guard, demo, at(-4), patrol_id)) == "duplicate_record_id"
    assert _clean(cleaner, at(-5), cleaning_id)["status"] == "applied"
    assert code(_clean(cleaner, at(-4), cleaning_id)) == "duplicate_record_id"
    incident = {"incident_id": new_id(), "category": "disorder", "location": "大堂 lobby",
                "description": "争执 arguing", "severity": "medium"}
    assert push_one(guard, "incident.report", incident, at(-3))["status"] == "applied"
    assert code(push_one(guard, "incident.report", incident | {"description": "again"}, at(-2))) == "duplicate_record_id"
