"""Signing in again keeps the install's ``client_id`` (docs/sync-protocol.md, "Identity:
client_id"; #11, "one contract for client writers").

The story a client writer meets: a guard's push is applied, its answer is lost, the
session is revoked before the device hears back, the guard signs in again. The device
re-sends its outbox under the **same** ``client_id`` with the new token, and the server
answers the already-applied ids as ``duplicate`` with their real outcomes. Re-sending
under a new ``client_id`` from id 1 (what the docs once also said) would show done work
as rejected.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.conftest import RoleClient, login
from tests.support.device import Device


def _sign_in(client: Any, employee_no: str) -> RoleClient:
    body = login(client, employee_no)
    rc = RoleClient(client, body["token"], body["staff"])
    rc.session_id = body["session_id"]
    return rc


def _outbox(device: Device, demo: dict[str, Any]) -> tuple[list[dict], str, str]:
    """Ids 1-3: a shift, a patrol at the self-service checkpoint, a patrol with a code
    that names no checkpoint (rejected)."""
    now = device.clock.now()
    shift_id, patrol_id = str(uuid.uuid4()), str(uuid.uuid4())
    checks = {"atm": "ok", "lights": "ok"}
    code = demo["checkpoints"]["self_service"]
    return [
        device.mutation("shift.start", {"shift_id": shift_id, "post": "security"}, now - timedelta(hours=1)),
        device.mutation("patrol.record", {"patrol_id": patrol_id, "checkpoint_code": code, "checks": checks},
                        now - timedelta(minutes=5)),
        device.mutation("patrol.record", {"patrol_id": str(uuid.uuid4()), "checkpoint_code": "no-such-code",
                                          "checks": checks}, now - timedelta(minutes=4)),
    ], shift_id, patrol_id


def _revoke(client: Any, session_id: str) -> None:
    manager = _sign_in(client, "DEMO01-OM1")
    resp = manager.post(f"/api/sessions/{session_id}/revoke")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["revoked_at"]


def test_same_client_id_after_signing_in_again_gets_duplicates_with_the_real_outcomes(client, demo, clock):
    guard = _sign_in(client, "DEMO01-G1")
    device = Device(guard, clock)
    device.sync()  # the device's copy, before the push
    assert not any(entity == "patrol" for entity, _ in device.copy)
    outbox, shift_id, patrol_id = _outbox(device, demo)

    original = device.push(*outbox)["results"]
    assert [r["status"] for r in original] == ["applied", "applied", "rejected"]
    assert original[2]["error"]["code"] == "unknown_checkpoint"
    # ... and the device never hears this answer. The session is revoked meanwhile.
    _revoke(client, guard.session_id)

    clock.advance(minutes=1)
    outbox.append(device.mutation("patrol.record", {
        "patrol_id": str(uuid.uuid4()), "checkpoint_code": demo["checkpoints"]["self_service"],
        "checks": {"doors": "ok"}}))
    refused = device.push_raw(outbox)
    assert refused.status_code == 401 and refused.get_json()["code"] == "unauthenticated"

    again = _sign_in(client, "DEMO01-G1")
    assert again.token != guard.token and again.session_id != guard.session_id
    device.rc = again  # the same install: same client_id, same ids, same cursor
    clock.advance(seconds=30)
    body = device.push(*outbox)
    assert body["last_mutation_id"] == 4
    results = body["results"]
    assert [r["id"] for r in results] == [1, 2, 3, 4]
    for was, now in zip(original, results[:3]):
        assert now["duplicate"] is True
        assert {k: v for k, v in now.items() if k != "duplicate"} == was
    assert results[3]["status"] == "applied" and not results[3].get("duplicate")

    pages = device.sync()
    assert pages[0]["reset"] is False  # the same person's scope: the cursor goes on
    assert pages[-1]["last_mutation_id"] == 4
    patrols = [data for (entity, _), data in device.copy.items() if entity == "patrol"]
    assert len(patrols) == 2 and patrol_id in {p["id"] for p in patrols}
    assert all(p["shift_id"] == shift_id for p in patrols)


def test_a_new_client_id_from_id_1_shows_done_work_as_rejected(client, demo, clock):
    """Why the docs say "keep the client_id": a fresh one re-applies the outbox as new
    mutations, and the records they make exist already."""
    guard = _sign_in(client, "DEMO01-G1")
    first = Device(guard, clock)
    outbox, _, _ = _outbox(first, demo)
    assert [r["status"] for r in first.push(*outbox)["results"]] == ["applied", "applied", "rejected"]
    _revoke(client, guard.session_id)

    fresh = Device(_sign_in(client, "DEMO01-G1"), clock)  # a new client_id, ids from 1
    results = fresh.push(*outbox)["results"]
    assert [r["status"] for r in results[:2]] == ["rejected", "rejected"]
    assert {r["error"]["code"] for r in results[:2]} == {"duplicate_record_id"}
    assert not any(r.get("duplicate") for r in results)


def test_the_client_id_stays_with_its_staff_member(client, demo, clock):
    """Another person signing in on the same install makes a new client_id: the old one
    answers 403 ``client_owned_by_other``, for push and pull."""
    guard = Device(_sign_in(client, "DEMO01-G1"), clock)
    outbox, _, _ = _outbox(guard, demo)
    guard.push(outbox[0])
    other = Device(_sign_in(client, "DEMO01-G2"), clock, client_id=guard.client_id)
    pushed = other.push_raw([])
    assert pushed.status_code == 403 and pushed.get_json()["code"] == "client_owned_by_other"
    pulled = other.pull_raw(None)
    assert pulled.status_code == 403 and pulled.get_json()["code"] == "client_owned_by_other"
