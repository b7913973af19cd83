"""REST under /api/branches/<id>/: roster, unstaffed posts, registry, day listings, access (R-SEC-2/6/8, R-OPS-1)."""
from __future__ import annotations

import pytest

from tests.conftest import login

from tests.support.factories import OTHER_PASSWORD, at, end_shift, new_id, other_branch_member, other_branch_staff, start_shift
from tests.support.pushpull import push_one, visible


def url(demo, path):
    return f"/api/branches/{demo['branch_id']}/{path}"


def plan(demo, **over):
    body = {"post": "security", "starts_at": "2026-11-28T18:00:00+08:00", "ends_at": "2026-11-29T02:00:00+08:00"}
    return body | over


def test_demo_has_a_roster_and_badges(demo):
    assert {r["post"] for r in demo["roster"]} == {"security", "cleaning", "onsite"}
    assert set(demo["badges"]) == {"onsite", "expired"}


def test_r_sec_2_roster_crud_by_operations_manager(as_role, demo):
    manager = as_role("operations_manager")
    guard_id = as_role("guard").staff["id"]
    resp = manager.post(url(demo, "roster"), json=plan(demo, staff_id=guard_id))
    assert resp.status_code == 201
    row = resp.get_json()
    assert row["staff_id"] == guard_id and row["starts_at"] == "2026-11-28T10:00:00Z"
    listed = manager.get(url(demo, "roster") + "?date=2026-11-28").get_json()["items"]
    assert row["id"] in {r["id"] for r in listed} and len(listed) == len(demo["roster"]) + 1
    cleaning = manager.get(url(demo, "roster") + "?post=cleaning").get_json()["items"]
    assert [r["post"] for r in cleaning] == ["cleaning"]
    patched = manager.patch(url(demo, f"roster/{row['id']}"), json={"notes": "swap"}).get_json()
    assert patched["notes"] == "swap" and patched["post"] == "security"
    assert manager.delete(url(demo, f"roster/{row['id']}")).status_code == 204
    assert manager.get(url(demo, f"roster/{row['id']}")).status_code == 404


@pytest.mark.parametrize(
    "role,read,write",
    [("admin", 200, 201), ("operations_manager", 200, 201), ("lobby_manager", 200, 403),
     ("branch_president", 200, 403), ("guard", 403, 403), ("teller", 403, 403), ("onsite", 403, 403)],
)
def test_r_sec_2_roster_access(as_role, demo, role, read, write):
    rc = as_role(role)
    assert rc.get(url(demo, "roster")).status_code == read
    resp = rc.post(url(demo, "roster"), json=plan(demo))
    assert resp.status_code == write
    if write == 403:
        assert resp.mimetype == "application/problem+json" and resp.get_json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "over,field",
    [({"ends_at": "2026-11-28T17:00:00+08:00"}, "ends_at"), ({"post": "vault"}, "post"),
     ({"starts_at": "2026-11-28T18:00:00"}, "starts_at")],
)
def test_r_sec_2_roster_validation(as_role, demo, over, field):
    resp = as_role("operations_manager").post(url(demo, "roster"), json=plan(demo, **over))
    assert resp.status_code == 422 and field in resp.get_json()["errors"]


def test_r_sec_2_roster_staff_must_suit_the_post(as_role, demo, app):
    manager = as_role("operations_manager")
    resp = manager.post(url(demo, "roster"), json=plan(demo, staff_id=as_role("cleaner").staff["id"]))
    assert resp.status_code == 422 and "staff_id" in resp.get_json()["errors"]
    resp = manager.post(url(demo, "roster"), json=plan(demo, staff_id=other_branch_staff(app)))
    assert resp.status_code == 422


def test_r_sec_2_other_branch_cannot_read_or_write(app, client, demo):
    _, employee_no = other_branch_member(app, role="operations_manager")
    token = login(client, employee_no, OTHER_PASSWORD)["token"]
    resp = client.get(url(demo, "shifts"), headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"  # R-SEC-10


def test_unknown_branch_is_404(as_role):
    resp = as_role("operations_manager").get(f"/api/branches/{new_id()}/shifts")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_r_sec_2_unstaffed_posts_from_the_demo_roster(as_role, demo):
    manager = as_role("operations_manager")
    posts = {u["post"] for u in manager.get(url(demo, "unstaffed-posts")).get_json()["unstaffed"]}
    assert posts == {"security", "cleaning", "onsite"}
    start_shift(as_role("guard"), when=at(-115))  # 08:05, within the 10 minutes' grace
    start_shift(as_role("cleaner"), post="cleaning", when=at(-100))  # 08:20, too late
    found = manager.get(url(demo, "unstaffed-posts")).get_json()["unstaffed"]
    assert {u["post"] for u in found} == {"cleaning", "onsite"} and all(u["rule"] == "R-SEC-2" for u in found)
    early = manager.get(url(demo, "unstaffed-posts") + "?at=2026-11-28T08:05:00%2B08:00").get_json()["unstaffed"]
    assert early == []


def test_r_sec_2_shifts_of_the_day_with_filters_and_pages(as_role, demo):
    g1, g2 = as_role("guard"), as_role("guard", 1)
    first, _ = start_shift(g1, when=at(-120))
    end_shift(g1, first, at(-60))
    start_shift(g2, when=at(-30))
    start_shift(as_role("onsite"), post="onsite", when=at(-10))
    manager = as_role("lobby_manager")
    page = manager.get(url(demo, "shifts") + "?limit=2").get_json()
    assert page["date"] == "2026-11-28" and page["total"] == 3 and len(page["items"]) == 2 and page["next_offset"] == 2
    rest = manager.get(url(demo, "shifts") + "?limit=2&offset=2").get_json()
    assert rest["next_offset"] is None and rest["items"][0]["staff"]["is_bank_staff"] is False
    assert "非本行 non-bank" in rest["items"][0]["staff"]["display_name"]
    assert manager.get(url(demo, "shifts") + "?open=true&post=security").get_json()["total"] == 1
    assert manager.get(url(demo, "shifts") + f"?staff_id={g1.staff['id']}").get_json()["total"] == 1
    assert manager.get(url(demo, "shifts") + "?date=2026-11-27").get_json()["total"] == 0
    bad = manager.get(url(demo, "shifts") + "?date=yesterday")
    assert bad.status_code == 422 and "date" in bad.get_json()["errors"]


@pytest.mark.parametrize(
    "path,role,status",
    [("shifts", "guard", 403), ("shifts", "teller", 403), ("shifts", "admin", 200),
     ("handovers", "cleaner", 403), ("handovers", "operations_manager", 200),
     ("cleaning", "onsite", 403), ("cleaning", "lobby_manager", 200),
     ("contractors", "guard", 403), ("contractors", "service_quality_officer", 200),
     ("contractors/on-site", "onsite", 403), ("contractors/on-site", "operations_manager", 200),
     ("contractor-visits", "teller", 403), ("contractor-visits", "branch_president", 200),
     ("floor-rounds", "admin", 403), ("floor-rounds", "guard", 403), ("floor-rounds", "branch_president", 200),
     ("coaching", "teller", 403), ("coaching", "operations_manager", 200),
     ("unstaffed-posts", "guard", 403), ("unstaffed-posts", "lobby_manager", 200)],
)
def test_r_sec_10_field_listings_are_for_supervisors(as_role, demo, path, role, status):
    resp = as_role(role).get(url(demo, path))
    assert resp.status_code == status
    if status == 403:
        assert resp.mimetype == "application/problem+json"


def test_r_sec_2_handovers_listed_with_both_parties(as_role, demo):
    g1, g2 = as_role("guard"), as_role("guard", 1)
    shift_id, _ = start_shift(g1, when=at(-60))
    push_one(g1, "shift.handover", {"handover_id": new_id(), "shift_id": shift_id, "to_staff_id": g2.staff["id"],
                                    "open_items": ["x"], "notes": "n"})
    items = as_role("operations_manager").get(url(demo, "handovers") + "?status=pending").get_json()["items"]
    assert [(i["from_staff"]["id"], i["to_staff"]["id"]) for i in items] == [(g1.staff["id"], g2.staff["id"])]


def test_r_sec_6_cleaning_listed_by_day_and_area(as_role, demo):
    cleaner = as_role("cleaner")
    start_shift(cleaner, post="cleaning", when=at(-60))
    for area in ("lobby", "self_service"):
        push_one(cleaner, "cleaning.record", {"cleaning_id": new_id(), "area": area, "task": "wipe"})
    manager = as_role("lobby_manager")
    assert manager.get(url(demo, "cleaning")).get_json()["total"] == 2
    only = manager.get(url(demo, "cleaning") + "?area=lobby").get_json()["items"]
    assert [i["area"] for i in only] == ["lobby"] and only[0]["staff"]["id"] == cleaner.staff["id"]


def test_r_sec_8_registry_and_on_site(as_role, demo):
    manager = as_role("operations_manager")
    body = {"name": "周师傅", "employer": "Lift Co", "badge_no": "L-1", "scope": ["lift"],
            "valid_from": "2026-11-01", "valid_to": "2026-11-30"}
    created = manager.post(url(demo, "contractors"), json=body)
    assert created.status_code == 201 and created.get_json()["is_bank_staff"] is False
    again = manager.post(url(demo, "contractors"), json=body)
    assert again.status_code == 409 and again.get_json()["code"] == "badge_taken"
    bad = manager.post(url(demo, "contractors"), json=body | {"badge_no": "L-2", "valid_to": "2026-10-01"})
    assert bad.status_code == 422 and "valid_to" in bad.get_json()["errors"]
    linked = manager.post(url(demo, "contractors"), json=body | {"badge_no": "L-3", "staff_id": as_role("guard").staff["id"]})
    assert linked.status_code == 422 and "staff_id" in linked.get_json()["errors"]
    cid = created.get_json()["id"]
    assert manager.patch(url(demo, f"contractors/{cid}"), json={"valid_to": "2026-12-31"}).get_json()["valid_to"] == "2026-12-31"
    assert manager.patch(url(demo, f"contractors/{cid}"), json={}).status_code == 422
    assert as_role("lobby_manager").post(url(demo, "contractors"), json=body | {"badge_no": "L-9"}).status_code == 403
    registry = manager.get(url(demo, "contractors")).get_json()
    assert registry["total"] == 3 and all("non-bank" in c["display_name"] for c in registry["items"])
    push_one(as_role("guard"), "contractor.check_in", {"visit_id": new_id(), "badge_no": "L-1"})
    on_site = manager.get(url(demo, "contractors/on-site")).get_json()["items"]
    assert [v["badge_no"] for v in on_site] == ["L-1"] and on_site[0]["is_bank_staff"] is False
    visits = manager.get(url(demo, "contractor-visits") + "?status=on_site").get_json()
    assert visits["total"] == 1


def test_r_ops_1_floor_rounds_and_coaching_listed(as_role, demo):
    manager = as_role("operations_manager")
    push_one(manager, "floor_round.record", {"round_id": new_id(), "slot": "0930", "findings": "ok"}, at(-25))
    push_one(manager, "coaching.record", {"demo_id": new_id(), "topic": "greeting"})
    rounds = as_role("branch_president").get(url(demo, "floor-rounds") + "?date=2026-11-28").get_json()
    assert [r["slot"] for r in rounds["items"]] == ["0930"] and rounds["items"][0]["minutes_from_slot"] == 5
    assert manager.get(url(demo, "floor-rounds") + "?slot=1130").get_json()["total"] == 0
    assert manager.get(url(demo, "coaching")).get_json()["items"][0]["topic"] == "greeting"


@pytest.mark.parametrize("reader,count", [(("guard", 0), 1), (("guard", 1), 1), (("cleaner", 0), 1),
                                          (("teller", 0), 0), (("lobby_manager", 0), 4)])
def test_r_sec_2_devices_pull_their_own_planned_shifts(as_role, demo, reader, count):
    assert len(visible(as_role(*reader), "roster_shift")) == count


def test_r_sec_2_roster_changes_reach_and_leave_devices(as_role, demo):
    manager = as_role("operations_manager")
    g2 = as_role("guard", 1)
    row = manager.post(url(demo, "roster"), json=plan(demo, staff_id=g2.staff["id"])).get_json()
    assert row["id"] in visible(g2, "roster_shift")
    manager.patch(url(demo, f"roster/{row['id']}"), json={"staff_id": as_role("guard").staff["id"]})
    assert row["id"] not in visible(g2, "roster_shift")
    assert row["id"] in visible(as_role("guard"), "roster_shift")
    manager.delete(url(demo, f"roster/{row['id']}"))
    assert row["id"] not in visible(as_role("guard"), "roster_shift")
