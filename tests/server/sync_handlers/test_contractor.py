"""``contractor.check_in`` / ``contractor.check_out`` by badge (R-SEC-8, R-SEC-9)."""
from __future__ import annotations

import pytest

from tests.support.factories import at, code, new_id
from tests.support.pushpull import pull, push_one, visible


def check_in(rc, badge_no, area=None, when=None, visit_id=None):
    visit_id = visit_id or new_id()
    args = {"visit_id": visit_id, "badge_no": badge_no}
    if area:
        args["area"] = area
    return visit_id, push_one(rc, "contractor.check_in", args, when)


def check_out(rc, visit_id, when=None):
    return push_one(rc, "contractor.check_out", {"visit_id": visit_id}, when)


def register(manager, demo, badge_no="B-NEW-1", **extra):
    body = {"name": "孙师傅 Sun", "employer": "Lift Co", "badge_no": badge_no, "valid_from": "2026-01-01",
            "valid_to": "2026-12-31", **extra}
    resp = manager.post(f"/api/branches/{demo['branch_id']}/contractors", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_r_sec_8_onsite_checks_in_with_own_badge(as_role, demo):
    onsite = as_role("onsite")
    visit_id, result = check_in(onsite, demo["badges"]["onsite"], area="atm")
    assert result["status"] == "applied"
    visit = visible(onsite, "contractor_visit")[visit_id]
    assert visit["status"] == "on_site" and visit["area"] == "atm" and visit["contractor_staff_id"] == onsite.staff["id"]
    assert visit["is_bank_staff"] is False and "非本行 non-bank" in visit["display_name"]
    assert visit["times"]["happened_at"] == "2026-11-28T02:00:00Z"


def test_r_sec_8_guard_checks_a_contractor_in_at_the_door(as_role, demo):
    visit_id, result = check_in(as_role("guard"), demo["badges"]["onsite"])
    assert result["status"] == "applied"
    assert visible(as_role("onsite"), "contractor_visit")[visit_id]["recorded_by"] == as_role("guard").staff["id"]


def test_r_sec_8_expired_badge_refused(as_role, demo):
    result = check_in(as_role("guard"), demo["badges"]["expired"])[1]
    assert code(result) == "badge_expired" and result["error"]["rule"] == "R-SEC-8"


def test_r_sec_8_unknown_badge_refused(as_role):
    assert code(check_in(as_role("guard"), "NO-SUCH-BADGE")[1]) == "badge_unknown"


def test_r_sec_8_revoked_badge_refused(as_role, demo):
    manager = as_role("operations_manager")
    contractor = register(manager, demo)
    resp = manager.post(f"/api/branches/{demo['branch_id']}/contractors/{contractor['id']}/revoke",
                        json={"reason": "left the company"})
    assert resp.status_code == 200 and resp.get_json()["revoked"] is True
    assert code(check_in(as_role("guard"), "B-NEW-1")[1]) == "badge_revoked"


def test_r_sec_8_badge_not_yet_valid_refused(as_role, demo):
    register(as_role("operations_manager"), demo, valid_from="2026-12-01")
    assert code(check_in(as_role("guard"), "B-NEW-1")[1]) == "badge_not_yet_valid"


def test_r_sec_8_refused_check_in_is_kept_for_supervisors(as_role, demo):
    check_in(as_role("guard"), demo["badges"]["expired"])
    resp = as_role("operations_manager").get(f"/api/branches/{demo['branch_id']}/rejected-mutations")
    items = resp.get_json()["items"]
    assert any(i["name"] == "contractor.check_in" and i["error"]["code"] == "badge_expired" for i in items)


def test_r_sec_8_onsite_cannot_use_another_badge(as_role, demo):
    register(as_role("operations_manager"), demo)
    assert code(check_in(as_role("onsite"), "B-NEW-1")[1]) == "badge_not_yours"


def test_r_sec_8_area_outside_authorised_scope_refused(as_role, demo):
    assert code(check_in(as_role("onsite"), demo["badges"]["onsite"], area="vault")[1]) == "outside_scope"


def test_r_sec_8_double_check_in_refused(as_role, demo):
    onsite = as_role("onsite")
    check_in(onsite, demo["badges"]["onsite"])
    assert code(check_in(as_role("guard"), demo["badges"]["onsite"])[1]) == "already_checked_in"


def test_r_sec_8_check_out_by_owner_and_then_again(as_role, demo):
    onsite = as_role("onsite")
    visit_id, _ = check_in(onsite, demo["badges"]["onsite"], when=at(-60))
    assert check_out(onsite, visit_id)["status"] == "applied"
    visit = visible(onsite, "contractor_visit")[visit_id]
    assert visit["status"] == "checked_out" and visit["checked_out_at"] == "2026-11-28T02:00:00Z"
    assert code(check_out(onsite, visit_id)) == "visit_already_checked_out"
    assert check_in(onsite, demo["badges"]["onsite"])[1]["status"] == "applied"


def test_r_sec_8_check_out_rules(as_role, demo):
    manager = as_role("operations_manager")
    other = register(manager, demo)
    guard = as_role("guard")
    visit_id, _ = check_in(guard, other["badge_no"])
    assert code(check_out(as_role("onsite"), visit_id)) == "not_visit_owner"
    assert code(check_out(guard, new_id())) == "visit_not_found"
    assert code(check_out(guard, visit_id, at(-5))) == "check_out_before_check_in"
    assert check_out(guard, visit_id)["status"] == "applied"


@pytest.mark.parametrize("role", ["cleaner", "teller", "lobby_manager"])
def test_r_sec_8_only_onsite_and_guards_check_in(as_role, demo, role):
    assert check_in(as_role(role), demo["badges"]["onsite"])[1]["status"] == "rejected"


@pytest.mark.parametrize(
    "reader,sees",
    [("onsite", True), ("guard", True), ("cleaner", False), ("teller", False),
     ("lobby_manager", True), ("operations_manager", True), ("admin", True)],
)
def test_r_sec_8_visits_pulled_by_contractor_guards_and_supervisors(as_role, demo, reader, sees):
    visit_id, _ = check_in(as_role("guard"), demo["badges"]["onsite"])
    assert (visit_id in visible(as_role(reader), "contractor_visit")) is sees


def test_r_sec_8_onsite_pulls_only_its_own_registration_and_visits(as_role, demo):
    manager = as_role("operations_manager")
    other = register(manager, demo)
    guard = as_role("guard")
    theirs, _ = check_in(guard, other["badge_no"])
    onsite = as_role("onsite")
    held = {kind for kind, _ in pull(onsite)}
    assert held <= {"branch", "staff", "contractor", "contractor_visit", "shift", "roster_shift", "handover",
                    "handover_item"}
    registry = visible(onsite, "contractor")
    assert [c["badge_no"] for c in registry.values()] == [demo["badges"]["onsite"]]
    assert theirs not in visible(onsite, "contractor_visit")
    assert {c["badge_no"] for c in visible(guard, "contractor").values()} >= {demo["badges"]["expired"], "B-NEW-1"}


def test_r_sec_9_contractor_shown_as_non_bank_in_pulls(as_role, demo):
    guard = as_role("guard")
    for contractor in visible(guard, "contractor").values():
        assert contractor["is_bank_staff"] is False and contractor["display_name"].endswith("非本行 non-bank）")
    staff = visible(guard, "staff")
    assert staff[as_role("onsite").staff["id"]]["is_bank_staff"] is False
    assert staff[guard.staff["id"]]["is_bank_staff"] is True


def test_r_sec_8_onsite_shift_needs_a_valid_badge(app, as_role, demo):
    onsite = as_role("onsite")
    assert push_one(onsite, "shift.start", {"shift_id": new_id(), "post": "onsite"})["status"] == "applied"
    manager = as_role("operations_manager")
    registry = manager.get(f"/api/branches/{demo['branch_id']}/contractors").get_json()["items"]
    mine = next(c for c in registry if c["staff_id"] == onsite.staff["id"])
    manager.post(f"/api/branches/{demo['branch_id']}/contractors/{mine['id']}/revoke", json={"reason": "lost"})
    result = push_one(onsite, "shift.start", {"shift_id": new_id(), "post": "onsite"}, at(600))
    assert code(result) == "badge_revoked"


def test_r_sec_10_registry_notes_reach_customer_data_roles_only(as_role, demo):
    """The registry's ``scope_note`` and ``revoked_reason`` (written over REST by the
    operations manager) reach guards, the contractor and administrators (REST) without
    their text (#12)."""
    manager, guard, onsite = as_role("operations_manager"), as_role("guard"), as_role("onsite")
    noted = register(manager, demo, badge_no="B-NOTE-1", scope_note="客户张三 13800138000 陪同")
    url = f"/api/branches/{demo['branch_id']}/contractors/{noted['id']}"
    assert manager.post(f"{url}/revoke", json={"reason": "客户投诉 13800138000"}).status_code == 200
    own = next(c for c in visible(onsite, "contractor").values() if c["badge_no"] == demo["badges"]["onsite"])
    assert own["scope_note"] is None and own["text_withheld"] is True  # the seeded "ATM 维护" note
    for data in (visible(guard, "contractor")[noted["id"]], as_role("admin").get(url).get_json()):
        assert (data["scope_note"], data["revoked_reason"], data["text_withheld"]) == (None, None, True)
        assert data["revoked"] is True and data["badge_no"] == "B-NOTE-1"  # the badge check still works
    for data in (visible(manager, "contractor")[noted["id"]], manager.get(url).get_json()):
        assert data["scope_note"].startswith("客户张三") and data["revoked_reason"].startswith("客户投诉")
        assert data["text_withheld"] is False
