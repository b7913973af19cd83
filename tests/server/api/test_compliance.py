"""Compliance over HTTP and sync (#14): the contract's read, the push re-judging a late
patrol at once, alert acknowledgement and excuses as mutations, who may read what."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from server.services import compliance as C
from tests.conftest import T0
from tests.support.pushpull import pull, push, push_one

M, H = timedelta(minutes=1), timedelta(hours=1)


def patrol(demo, at):
    return {"name": "patrol.record", "at": at.isoformat(),
            "args": {"patrol_id": str(uuid.uuid4()), "checkpoint_code": demo["checkpoints"]["self_service"],
                     "checks": {"atm": "ok"}}}


def hour(report, utc_start):
    return next(o for o in report["obligations"] if o["rule"] == "R-SEC-5" and o["window_start"] == utc_start)


def test_r_sec_5_a_late_patrol_turns_its_hour_met_synced_late_in_the_push(app, demo, as_role, clock):
    guard, manager = as_role("guard"), as_role("operations_manager")
    push_one(guard, "shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"})
    clock.set(T0 + H + 15 * M)
    with app.app_context():
        C.evaluate(clock.now())
    url = f"/api/branches/{demo['branch_id']}/compliance?date=2026-11-28"
    assert hour(manager.get(url).get_json(), "2026-11-28T02:00:00Z")["status"] == "unconfirmed"
    clock.set(T0 + 2 * H + 30 * M)
    assert push(guard, [patrol(demo, T0 + 5 * M)])[0]["status"] == "applied"
    body = manager.get(url).get_json()  # no evaluation ran: the push re-judged
    assert hour(body, "2026-11-28T02:00:00Z")["status"] == "met_synced_late"
    assert {"date", "branch_id", "obligations", "devices", "patrol"} <= set(body)
    alerts = {a["obligation_id"]: a for (_e, _i), a in pull(manager).items() if _e == "alert"}
    ten = hour(body, "2026-11-28T02:00:00Z")
    assert alerts[ten["id"]]["resolved_at"] == "2026-11-28T04:30:00Z"


def test_alert_acknowledge_and_obligation_excuse_are_mutations(app, demo, as_role, clock):
    with app.app_context():
        C.evaluate(T0)
    lobby, guard = as_role("lobby_manager"), as_role("guard")
    alerts = [a for (e, _i), a in pull(lobby).items() if e == "alert"]
    assert alerts and all("lobby_manager" in a["roles"] for a in alerts)
    held = pull(guard)
    assert not [1 for (e, _i) in held if e == "alert"]  # guards get no alert
    # ... and of the obligations only the patrol hours, for their hour grid (R-SEC-5, #15)
    assert {o["rule"] for (e, _i), o in held.items() if e == "obligation"} == {"R-SEC-5"}
    target = next(a for a in alerts if a["kind"] == "missed")
    done = push_one(lobby, "alert.acknowledge", {"alert_id": target["id"], "note": "guard was at the bank door"})
    assert done["status"] == "applied"
    acked = next(a for (e, i), a in pull(lobby).items() if e == "alert" and i == target["id"])
    assert acked["acknowledged_by"] == lobby.staff["id"] and acked["ack_note"] == "guard was at the bank door"
    assert acked["is_open"] is True  # acknowledged is not resolved
    missing = push_one(lobby, "alert.acknowledge", {"alert_id": str(uuid.uuid4())})
    assert missing["error"]["code"] == "unknown_alert"
    excused = push_one(lobby, "obligation.excuse", {"obligation_id": target["obligation_id"], "reason": "ATM works"})
    assert excused["status"] == "applied"
    held = pull(lobby)
    assert held[("obligation", target["obligation_id"])]["status"] == "excused"
    assert held[("alert", target["id"])]["is_open"] is False
    no = push_one(guard, "obligation.excuse", {"obligation_id": target["obligation_id"], "reason": "x"})
    assert no["status"] == "rejected"


@pytest.mark.parametrize("role, status", [("operations_manager", 200), ("lobby_manager", 200), ("guard", 403),
                                          ("teller", 403), ("cleaner", 403)])
def test_who_reads_a_branch_compliance(app, demo, as_role, role, status):
    resp = as_role(role).get(f"/api/branches/{demo['branch_id']}/compliance?date=2026-11-28")
    assert resp.status_code == status


def test_another_branch_is_404_and_a_bad_date_422(app, demo, as_role):
    manager = as_role("operations_manager")
    assert manager.get(f"/api/branches/{uuid.uuid4()}/compliance?date=2026-11-28").status_code == 404
    bad = manager.get(f"/api/branches/{demo['branch_id']}/compliance?date=soon")
    assert bad.status_code == 422 and bad.content_type.startswith("application/problem+json")


def test_today_at_a_glance_and_the_regional_view(app, demo, as_role, clock):
    manager = as_role("operations_manager")
    push_one(manager, "no.such.mutation", {})  # one rejected mutation waiting for review
    with app.app_context():
        C.evaluate(T0)
    glance = manager.get(f"/api/branches/{demo['branch_id']}/today").get_json()
    assert len(glance["patrol_hours"]) == 24 and glance["patrol_hours"][0] == {
        "hour": "00:00", "status": "missed", "due_at": "2026-11-27T17:10:00Z", "evidence": []}
    assert glance["alerts"] and all("operations_manager" in a["roles"] for a in glance["alerts"])
    assert glance["rejected_mutations"]["count"] == 1
    assert "args" not in glance["rejected_mutations"]["items"][0]
    assert manager.get("/api/compliance?date=2026-11-28").status_code == 403
