"""``incident.report`` / ``incident.resolve`` and the incident listing (R-SEC-4)."""
from __future__ import annotations

import pytest

from tests.support.helpers import make_image, new_id, sha


def report_args(**over):
    return {
        "incident_id": new_id(), "category": "disorder", "location": "大堂 lobby",
        "description": "两位客户争执 two customers arguing", "severity": "medium", **over,
    }


def incidents(actor, demo, **params):
    resp = actor.get(f"/api/branches/{demo['branch_id']}/incidents", query_string=params)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("role", ["guard", "lobby_manager", "operations_manager"])
def test_r_sec_4_incident_reported(as_role, demo, push, pull, role):
    actor = as_role(role)
    args = report_args(severity="high")
    [res] = push(actor, [("incident.report", args)])
    assert res["status"] == "applied", res
    data = pull(as_role("guard"))[("incident", args["incident_id"])]
    assert data["severity"] == "high" and data["status"] == "open" and data["reported_by"] == actor.staff["id"]
    assert set(data["times"]) == {"device_at", "received_at", "skew_ms", "happened_at", "clock_suspect"}
    assert data["times"]["happened_at"].endswith("Z") and data["photos"] == []
    assert "happened_at" not in data  # one shape: times nested, never flat (#11)


@pytest.mark.parametrize("role", ["cleaner", "onsite", "teller"])
def test_r_sec_4_field_and_counter_roles_do_not_report(as_role, demo, push, role):
    [res] = push(as_role(role), [("incident.report", report_args())])
    assert res["status"] == "rejected" and res["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "override, field",
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"category": "ufo"}, "category"),
        ({"location": ""}, "location"),
        ({"description": ""}, "description"),
        ({"photos": ["nothex"]}, "photos"),
        ({"photos": ["a" * 64] * 11}, "photos"),
        ({"incident_id": 5}, "incident_id"),
    ],
)
def test_r_sec_4_bad_args_are_invalid_args(as_role, demo, push, override, field):
    [res] = push(as_role("guard"), [("incident.report", report_args(**override))])
    assert res["status"] == "rejected" and res["error"]["code"] == "invalid_args"
    assert field in res["error"]["errors"]


def test_r_sec_4_same_incident_id_twice_is_rejected(as_role, demo, push):
    guard, args = as_role("guard"), report_args()
    assert push(guard, [("incident.report", args)])[0]["status"] == "applied"
    assert push(guard, [("incident.report", args)])[0]["error"]["code"] == "duplicate_record_id"


def test_r_sec_4_photo_arriving_later_turns_received(as_role, demo, push, pull):
    guard, om = as_role("guard"), as_role("operations_manager")
    early, late = make_image(seed=1), make_image(seed=2)
    assert guard.put(f"/api/photos/{sha(early)}", data=early, content_type="image/jpeg").status_code == 201
    args = report_args(photos=[sha(early), sha(late)])
    assert push(guard, [("incident.report", args)])[0]["status"] == "applied"

    [row] = incidents(om, demo, missing_photos="true")["items"]
    assert row["photos"] == [{"sha256": sha(early), "status": "received"}, {"sha256": sha(late), "status": "missing"}]
    assert row["missing_photos"] == 1

    assert pull(om)[("incident", args["incident_id"])]["missing_photos"] == 1
    assert guard.put(f"/api/photos/{sha(late)}", data=late, content_type="image/jpeg").status_code == 201
    assert incidents(om, demo, missing_photos="true")["items"] == []
    # the arrival is published: devices learn the photo is no longer missing
    assert pull(om)[("incident", args["incident_id"])]["missing_photos"] == 0
    [row] = incidents(om, demo)["items"]
    assert {p["status"] for p in row["photos"]} == {"received"}
    # supervisors now see the photo; a role that sees no incidents does not
    assert om.get(f"/api/photos/{sha(late)}").data == late
    assert as_role("cleaner").get(f"/api/photos/{sha(late)}").status_code == 404


def test_r_sec_4_resolve_by_a_supervisor(as_role, demo, push, pull):
    guard, om = as_role("guard"), as_role("operations_manager")
    args = report_args()
    push(guard, [("incident.report", args)])
    [res] = push(om, [("incident.resolve", {"incident_id": args["incident_id"], "resolution": "劝离 calmed down"})])
    assert res["status"] == "applied", res
    data = pull(guard)[("incident", args["incident_id"])]
    assert data["status"] == "resolved" and data["resolved_by"] == om.staff["id"]
    [res] = push(om, [("incident.resolve", {"incident_id": args["incident_id"], "resolution": "again"})])
    assert res["error"]["code"] == "already_resolved"
    [res] = push(om, [("incident.resolve", {"incident_id": new_id(), "resolution": "x"})])
    assert res["error"]["code"] == "unknown_incident"
    [res] = push(guard, [("incident.resolve", {"incident_id": args["incident_id"], "resolution": "x"})])
    assert res["error"]["code"] == "forbidden"


def test_r_sec_4_listing_filters_and_pages(as_role, demo, push):
    guard, lm = as_role("guard"), as_role("lobby_manager")
    ids = [report_args(severity=s) for s in ("low", "high", "high", "critical")]
    push(guard, [("incident.report", a) for a in ids])
    push(as_role("operations_manager"), [("incident.resolve", {"incident_id": ids[0]["incident_id"], "resolution": "ok"})])
    assert incidents(lm, demo)["total"] == 3
    assert incidents(lm, demo, status="resolved")["total"] == 1
    assert incidents(lm, demo, status="all")["total"] == 4
    assert incidents(lm, demo, severity="high")["total"] == 2
    page = incidents(lm, demo, status="all", limit=3)
    assert len(page["items"]) == 3 and page["next_offset"] == 3
    page = incidents(lm, demo, status="all", limit=3, offset=3)
    assert len(page["items"]) == 1 and page["next_offset"] is None


def test_r_sec_4_listing_access(as_role, client, demo, app):
    from server.extensions import db
    from server.services import org

    url = f"/api/branches/{demo['branch_id']}/incidents"
    assert client.get(url).status_code == 401
    for role in ("cleaner", "onsite", "teller"):
        resp = as_role(role).get(url)
        assert resp.status_code == 403 and resp.mimetype == "application/problem+json"
    with app.app_context():
        other = org.create_branch("OTHER2", "Other", app.extensions["clock"].now())
        db.session.commit()
        other_id = other.id
    assert as_role("operations_manager").get(f"/api/branches/{other_id}/incidents").status_code == 404
    resp = as_role("operations_manager").get(url, query_string={"status": "weird", "limit": 0})
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"status", "limit"}


def test_r_sec_4_listing_does_not_query_per_incident(as_role, demo, push, statements):
    """Photos load in one batch (selectin), never once per incident (no N+1)."""
    guard, om = as_role("guard"), as_role("operations_manager")
    photos = [sha(make_image(seed=s)) for s in range(3)]
    push(guard, [("incident.report", report_args(photos=photos)) for _ in range(2)])
    with statements() as few:
        incidents(om, demo)
    push(guard, [("incident.report", report_args(photos=photos)) for _ in range(6)])
    with statements() as many:
        incidents(om, demo)
    assert len(many) == len(few)
