"""Patrols by hour with the R-SEC-5 verdict (supervisors and the web app)."""
from __future__ import annotations

import pytest

from tests.support.helpers import local, new_id

OK = {"atm": "ok", "skimming": "ok", "lights": "ok", "doors": "ok", "cleanliness": "ok", "loitering": "ok"}


def day_of(actor, demo, date="2026-11-28"):
    resp = actor.get(f"/api/branches/{demo['branch_id']}/patrols", query_string={"date": date})
    assert resp.status_code == 200, resp.get_json()
    return {h["hour"]: h for h in resp.get_json()["hours"]}


def test_r_sec_5_late_sync_still_on_time_in_the_hourly_view(as_role, demo, push, on_shift, clock):
    """Patrol at 10:05 synced at 12:30: the 10:00 hour is met (synced late), 11:00 missed."""
    guard = as_role("guard")
    on_shift(guard, at=local(8))
    clock.set(local(12, 30))
    pid = new_id()
    args = {"patrol_id": pid, "checkpoint_code": demo["checkpoints"]["self_service"], "checks": OK}
    [res] = push(guard, [("patrol.record", args, local(10, 5))], sent_at=local(12, 30))
    assert res["status"] == "applied", res
    hours = day_of(as_role("lobby_manager"), demo)
    assert len(hours) == 24  # the demo branch is guarded round the clock
    assert hours["10:00"]["status"] == "met_synced_late" and hours["10:00"]["evidence"] == [pid]
    assert [p["id"] for p in hours["10:00"]["patrols"]] == [pid]
    assert hours["11:00"]["status"] == "missed"
    assert hours["12:00"]["status"] == "pending"
    assert hours["10:00"]["due_at"] == "2026-11-28T03:10:00Z"


def test_r_sec_5_on_time_patrol_is_met_and_other_areas_do_not_count(app, as_role, demo, push, on_shift, clock):
    from server.services import checkpoint as svc

    guard = as_role("guard")
    on_shift(guard, at=local(8))
    with app.app_context():
        lobby = svc.create_checkpoint(None, __import__("uuid").UUID(demo["branch_id"]), "lobby", "大厅", "Lobby", clock.now())
    clock.set(local(11, 2))
    push(guard, [
        ("patrol.record", {"patrol_id": new_id(), "checkpoint_code": lobby.code, "checks": OK}, local(9, 30)),
        ("patrol.record", {"patrol_id": new_id(), "checkpoint_code": demo["checkpoints"]["self_service"],
                           "checks": OK}, local(10, 59)),
    ])
    hours = day_of(as_role("operations_manager"), demo)
    assert hours["09:00"]["status"] == "missed" and len(hours["09:00"]["patrols"]) == 1
    assert hours["10:00"]["status"] == "met"


def test_r_sec_5_grace_minutes_come_from_the_branch(app, as_role, demo, clock):
    import uuid

    from server.extensions import db
    from server.models.org import Branch

    with app.app_context():
        branch = db.session.get(Branch, uuid.UUID(demo["branch_id"]))
        branch.settings = {"patrol_grace_minutes": 25}
        db.session.commit()
    clock.set(local(11, 20))
    assert day_of(as_role("lobby_manager"), demo)["10:00"]["status"] == "pending"


@pytest.mark.parametrize("role, status", [("guard", 200), ("cleaner", 403), ("onsite", 403), ("teller", 403)])
def test_r_sec_5_patrol_view_access(as_role, demo, role, status):
    resp = as_role(role).get(f"/api/branches/{demo['branch_id']}/patrols", query_string={"date": "2026-11-28"})
    assert resp.status_code == status


def test_r_sec_5_patrol_view_input(as_role, client, demo):
    url = f"/api/branches/{demo['branch_id']}/patrols"
    assert client.get(url, query_string={"date": "2026-11-28"}).status_code == 401
    resp = as_role("lobby_manager").get(url, query_string={"date": "28/11/2026"})
    assert resp.status_code == 422 and "date" in resp.get_json()["errors"]
    assert as_role("lobby_manager").get(url).status_code == 422
    other = "/api/branches/00000000-0000-0000-0000-000000000000/patrols"
    assert as_role("lobby_manager").get(other, query_string={"date": "2026-11-28"}).status_code == 404
