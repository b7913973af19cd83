"""``GET/PUT /api/calendar/<year>``: administrators read and load the working-day calendar."""
from __future__ import annotations

import pytest

BODY_2027 = {
    "complete": True,
    "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-06", "kind": "workday", "name": "春节调休"},
    ],
}


def test_an_administrator_loads_2027_and_reads_it_back(as_role):
    admin = as_role("admin")
    before = admin.get("/api/calendar/2027")
    assert before.status_code == 200
    assert before.get_json() == {"year": 2027, "known": False, "calendar": None, "package": None, "loaded": None, "days": []}
    put = admin.put("/api/calendar/2027", json=BODY_2027)
    assert put.status_code == 200, put.get_json()
    body = put.get_json()
    assert body["known"] is True and body["calendar"] == "loaded:2027@2026-11-28T02:00:00Z"
    assert body["loaded"]["loaded_by"] == "staff:DEMO01-AD1" and body["loaded"]["origin"] == "api"
    assert admin.get("/api/calendar/2027").get_json() == body


def test_a_package_year_reads_with_its_holidays_and_adjusted_weekends(as_role):
    body = as_role("admin").get("/api/calendar/2026").get_json()
    assert body["calendar"] == body["package"] == "chinese-calendar 1.11.0"
    kinds = {d["date"]: (d["kind"], d["source"]) for d in body["days"]}
    assert kinds["2026-10-01"] == ("holiday", "package")
    assert kinds["2026-02-14"] == kinds["2026-02-28"] == ("adjusted_workday", "package")


@pytest.mark.parametrize("role", ["lobby_manager", "service_quality_officer", "operations_manager", "guard"])
def test_other_roles_are_forbidden_either_way(as_role, role):
    caller = as_role(role)
    for resp in (caller.get("/api/calendar/2027"), caller.put("/api/calendar/2027", json=BODY_2027)):
        assert resp.status_code == 403 and resp.mimetype == "application/problem+json"
        assert resp.get_json()["code"] == "forbidden"


def test_no_token_is_401(client):
    resp = client.get("/api/calendar/2027")
    assert resp.status_code == 401 and resp.get_json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "body, code",
    [
        ({"complete": True, "days": [{"date": "2027-13-01", "kind": "holiday"}]}, "validation_failed"),
        ({"complete": True, "days": [{"date": "2026-12-31", "kind": "holiday"}]}, "validation_failed"),
        ({"complete": True, "days": [{"date": "2027-02-06", "kind": "workday"}]}, "calendar_year_empty"),
        ({"complete": True}, "validation_failed"),
    ],
    ids=["bad-date", "other-year", "complete-without-holiday", "no-days"],
)
def test_a_bad_load_is_a_problem_and_changes_nothing(as_role, body, code):
    admin = as_role("admin")
    resp = admin.put("/api/calendar/2027", json=body)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == code and resp.get_json()["errors"]
    assert admin.get("/api/calendar/2027").get_json()["loaded"] is None
