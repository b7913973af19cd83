"""``patrol.record`` (R-SEC-5): a guard on shift, proved at a current checkpoint code."""
from __future__ import annotations

import uuid

import pytest

from server.rules import patrol as PR
from tests.support.helpers import local, new_id

ALL_OK = {item: "ok" for item in PR.CHECK_ITEMS}


def patrol_args(code: str, **over):
    return {"patrol_id": new_id(), "checkpoint_code": code, "checks": dict(ALL_OK), **over}


@pytest.fixture
def guard(as_role, on_shift):
    g = as_role("guard")
    on_shift(g)
    return g


def rotate_demo_checkpoint(app, demo):
    from server.extensions import db
    from server.models.patrol import Checkpoint
    from server.services import checkpoint as svc

    with app.app_context():
        cp = db.session.query(Checkpoint).filter_by(branch_id=uuid.UUID(demo["branch_id"])).one()
        return svc.rotate(None, cp.id, app.extensions["clock"].now()).code


def test_r_sec_5_patrol_recorded_with_times(guard, demo, push, pull):
    args = patrol_args(demo["checkpoints"]["self_service"])
    [res] = push(guard, [("patrol.record", args, local(9, 58))])
    assert res["status"] == "applied", res
    data = pull(guard)[("patrol", args["patrol_id"])]
    assert data["checks"] == ALL_OK and data["area"] == "self_service" and data["incident_id"] is None
    assert data["staff_id"] == guard.staff["id"]
    assert set(data["times"]) == {"device_at", "received_at", "skew_ms", "happened_at", "clock_suspect"}
    assert data["times"]["happened_at"] == "2026-11-28T01:58:00Z" and data["times"]["clock_suspect"] is False
    assert "happened_at" not in data  # one shape: times nested, never flat (#11)


def test_r_sec_5_whole_scanned_payload_is_accepted(guard, demo, push):
    payload = PR.label_payload("DEMO01", demo["checkpoints"]["self_service"])
    [res] = push(guard, [("patrol.record", patrol_args(payload, checks={"atm": "ok"}))])
    assert res["status"] == "applied", res


def test_r_sec_5_not_on_shift_is_rejected(as_role, demo, push):
    [res] = push(as_role("guard"), [("patrol.record", patrol_args(demo["checkpoints"]["self_service"]))])
    assert res["status"] == "rejected" and res["error"]["code"] == "not_on_shift"


def test_r_sec_5_patrol_before_the_shift_started_is_rejected(as_role, demo, push, on_shift):
    g = as_role("guard")
    on_shift(g, at=local(9, 30))
    [res] = push(g, [("patrol.record", patrol_args(demo["checkpoints"]["self_service"]), local(9, 20))])
    assert res["error"]["code"] == "not_on_shift"


def test_r_sec_5_patrol_after_the_shift_ended_is_rejected(as_role, demo, push, on_shift, off_shift):
    g = as_role("guard")
    shift_id = on_shift(g, at=local(8))
    off_shift(g, shift_id, local(9, 30))
    [res] = push(g, [("patrol.record", patrol_args(demo["checkpoints"]["self_service"]), local(9, 40))])
    assert res["error"]["code"] == "not_on_shift"


def test_r_sec_5_unknown_code_is_rejected(guard, push):
    [res] = push(guard, [("patrol.record", patrol_args("made-up-code"))])
    assert res["status"] == "rejected" and res["error"]["code"] == "unknown_checkpoint"


def test_r_sec_5_another_branchs_code_is_unknown(app, guard, push):
    from server.extensions import db
    from server.services import checkpoint as svc
    from server.services import org

    with app.app_context():
        now = app.extensions["clock"].now()
        other = org.create_branch("OTHER1", "Other", now)
        db.session.commit()
        code = svc.create_checkpoint(None, other.id, "self_service", "自助服务区", "Self-service area", now).code
    [res] = push(guard, [("patrol.record", patrol_args(code))])
    assert res["error"]["code"] == "unknown_checkpoint"


def test_r_sec_5_rotated_code_is_rejected(app, guard, demo, push):
    old = demo["checkpoints"]["self_service"]
    new = rotate_demo_checkpoint(app, demo)
    [res] = push(guard, [("patrol.record", patrol_args(old))])
    assert res["status"] == "rejected" and res["error"]["code"] == "checkpoint_code_rotated"
    [res] = push(guard, [("patrol.record", patrol_args(new))])
    assert res["status"] == "applied"


def test_r_sec_5_patrol_made_offline_before_rotation_still_counts(app, guard, demo, push, pull, clock):
    """Scanned at 10:05 with the then-current code, rotated at 10:30, synced 12:30."""
    clock.set(local(10, 30))
    rotate_demo_checkpoint(app, demo)
    clock.set(local(12, 30))
    args = patrol_args(demo["checkpoints"]["self_service"])
    [res] = push(guard, [("patrol.record", args, local(10, 5))], sent_at=local(12, 30))
    assert res["status"] == "applied", res
    assert pull(guard)[("patrol", args["patrol_id"])]["code_was_rotated"] is True


@pytest.mark.parametrize(
    "override, field",
    [
        ({"checks": {"atm": "maybe"}}, "checks"),
        ({"checks": {"teleporter": "ok"}}, "checks"),
        ({"checks": {}}, "checks"),
        ({"patrol_id": "not-a-uuid"}, "patrol_id"),
        ({"checkpoint_code": ""}, "checkpoint_code"),
        ({"anomaly": "x" * 2001}, "anomaly"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_r_sec_5_bad_args_are_invalid_args(guard, demo, push, override, field):
    [res] = push(guard, [("patrol.record", patrol_args(demo["checkpoints"]["self_service"], **override))])
    assert res["status"] == "rejected" and res["error"]["code"] == "invalid_args"
    assert field in res["error"].get("errors", {})


@pytest.mark.parametrize("role", ["cleaner", "onsite", "teller", "lobby_manager", "operations_manager"])
def test_r_sec_5_only_guards_record_patrols(as_role, demo, push, role):
    [res] = push(as_role(role), [("patrol.record", patrol_args(demo["checkpoints"]["self_service"]))])
    assert res["status"] == "rejected" and res["error"]["code"] == "forbidden"


def test_r_sec_5_same_patrol_id_twice_is_rejected(guard, demo, push):
    args = patrol_args(demo["checkpoints"]["self_service"])
    assert push(guard, [("patrol.record", args)])[0]["status"] == "applied"
    [res] = push(guard, [("patrol.record", args)])
    assert res["error"]["code"] == "duplicate_record_id"


@pytest.mark.parametrize(
    "over",
    [{"anomaly": "有人在ATM旁逗留 person loitering by ATM 2"}, {"checks": {**ALL_OK, "skimming": "fault"}}],
)
def test_r_sec_5_anomaly_or_fault_raises_an_incident(guard, demo, push, pull, over):
    from server.services.patrol import patrol_incident_id

    args = patrol_args(demo["checkpoints"]["self_service"], **over)
    [res] = push(guard, [("patrol.record", args)])
    assert res["status"] == "applied", res
    seen = pull(guard)
    incident_id = str(patrol_incident_id(uuid.UUID(args["patrol_id"])))
    assert seen[("patrol", args["patrol_id"])]["incident_id"] == incident_id
    incident = seen[("incident", incident_id)]
    assert incident["patrol_id"] == args["patrol_id"] and incident["status"] == "open"
    assert incident["category"] == PR.PATROL_INCIDENT_CATEGORY and "自助服务区" in incident["location"]
    assert incident["times"]["happened_at"] == seen[("patrol", args["patrol_id"])]["times"]["happened_at"]


def test_r_sec_5_rejected_patrol_raises_no_incident(as_role, demo, push, pull):
    g = as_role("guard")
    args = patrol_args(demo["checkpoints"]["self_service"], anomaly="smoke")
    assert push(g, [("patrol.record", args)])[0]["error"]["code"] == "not_on_shift"
    assert not [k for k in pull(as_role("operations_manager")) if k[0] in ("incident", "patrol")]
