"""A wiped phone tells the server (#15, sync-protocol "A wiped device"): the branch's
operations manager and administrators get one alert per client, by pull, saying whose
phone lost how many records; only the person's own client of their own branch reports."""
from __future__ import annotations

import pytest

from server.extensions import db
from server.models.alert import Alert
from tests.conftest import RoleClient, login
from tests.support.device import device_of
from tests.support.factories import OTHER_PASSWORD, other_branch_member
from tests.support.pushpull import pull


def _sent(rc, n: int) -> str:
    """``rc``'s device sends ``n`` mutations (rejected ones consume their ids too)."""
    device = device_of(rc)
    body = device.push(*(device.mutation("no.such.mutation", {}) for _ in range(n)))
    assert body["last_mutation_id"] == n
    return str(device.client_id)


def _report(rc, client_id: str, device_last: int):
    return rc.post(f"/api/sync/clients/{client_id}/lost-records", json={"device_last_mutation_id": device_last})


def _alerts(app) -> list[Alert]:
    with app.app_context():
        return list(db.session.scalars(db.select(Alert).where(Alert.kind == "device_lost_records")))


def test_r_15_a_reported_loss_raises_one_alert_for_the_supervisors(app, as_role, demo):
    guard = as_role("guard")
    client_id = _sent(guard, 5)
    resp = _report(guard, client_id, 2)
    assert resp.status_code == 200, resp.get_json()
    alert = resp.get_json()
    assert alert["kind"] == "device_lost_records" and alert["rule"] is None and alert["is_open"]
    assert alert["branch_id"] == demo["branch_id"] and alert["obligation_id"] is None
    assert sorted(alert["roles"]) == ["admin", "operations_manager"]
    assert guard.staff["name"] in alert["message"] and "DEMO01-G1" in alert["message"]
    assert "lost 3 " in alert["message"]
    again = _report(guard, client_id, 2)
    assert again.status_code == 200 and again.get_json() == alert, "the same loss told twice is one alert, unchanged"
    rows = _alerts(app)
    assert len(rows) == 1 and rows[0].key == f"{demo['branch_id']}:device_lost_records:{client_id}"


def test_r_15_the_alert_reaches_the_operations_manager_by_pull_and_not_the_guard(as_role):
    guard, manager, lobby = as_role("guard"), as_role("operations_manager"), as_role("lobby_manager")
    alert = _report(guard, _sent(guard, 4), 1).get_json()
    assert pull(manager)[("alert", alert["id"])]["message"] == alert["message"]
    assert ("alert", alert["id"]) in pull(as_role("admin"))
    assert ("alert", alert["id"]) not in pull(guard)
    assert ("alert", alert["id"]) not in pull(lobby)
    ack = device_of(manager).push(device_of(manager).mutation("alert.acknowledge", {"alert_id": alert["id"]}))
    assert ack["results"][0]["status"] == "applied"


def test_r_15_a_new_loss_of_the_same_client_updates_the_alert_and_asks_again(app, as_role):
    guard, manager = as_role("guard"), as_role("operations_manager")
    client_id = _sent(guard, 6)
    first = _report(guard, client_id, 1).get_json()
    device_of(manager).push(device_of(manager).mutation("alert.acknowledge", {"alert_id": first["id"]}))
    second = _report(guard, client_id, 4).get_json()
    assert second["id"] == first["id"] and "lost 2 " in second["message"]
    assert second["acknowledged_at"] is None
    assert pull(manager)[("alert", first["id"])]["message"] == second["message"]
    assert len(_alerts(app)) == 1


def test_r_15_nothing_lost_is_refused(as_role):
    guard = as_role("guard")
    client_id = _sent(guard, 3)
    for device_last in (3, 7):
        resp = _report(guard, client_id, device_last)
        assert resp.status_code == 409
        assert resp.get_json()["code"] == "no_records_lost" and resp.get_json()["last_mutation_id"] == 3


def test_r_sec_10_a_colleagues_client_is_refused(app, as_role):
    guard, colleague = as_role("guard"), as_role("guard", index=1)
    client_id = _sent(guard, 3)
    resp = _report(colleague, client_id, 0)
    assert resp.status_code == 403 and resp.get_json()["code"] == "client_owned_by_other"
    assert _alerts(app) == []


def test_r_sec_10_another_branchs_client_is_not_found(app, client, as_role):
    guard = as_role("guard")
    client_id = _sent(guard, 3)
    _, employee_no = other_branch_member(app, "guard")
    body = login(client, employee_no, OTHER_PASSWORD)
    stranger = RoleClient(client, body["token"], body["staff"])
    for unknown in (client_id, "6f1c0d5e-0000-4000-8000-000000000000"):
        resp = _report(stranger, unknown, 0)
        assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"
    assert _alerts(app) == []


@pytest.mark.parametrize("body", [{}, {"device_last_mutation_id": -1}, {"device_last_mutation_id": "2"},
                                  {"device_last_mutation_id": 1, "extra": 1}])
def test_a_malformed_report_is_refused(as_role, body):
    guard = as_role("guard")
    resp = guard.post(f"/api/sync/clients/{_sent(guard, 2)}/lost-records", json=body)
    assert resp.status_code == 422 and resp.get_json()["code"] == "validation_failed"


def test_a_report_needs_a_session(client):
    resp = client.post("/api/sync/clients/6f1c0d5e-0000-4000-8000-000000000000/lost-records",
                       json={"device_last_mutation_id": 0})
    assert resp.status_code == 401


def test_r_15_the_compliance_job_leaves_the_alert_open(app, as_role, clock):
    from server.services.compliance import evaluate

    guard = as_role("guard")
    _report(guard, _sent(guard, 3), 0)
    with app.app_context():
        evaluate(clock.now())
        clock.advance(hours=2)
        evaluate(clock.now())
    [alert] = _alerts(app)
    assert alert.resolved_at is None, "only the phone knows its loss: no evaluation ends it"
