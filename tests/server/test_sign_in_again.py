"""Signing in again keeps the install's ``client_id`` (docs/sync-protocol.md, "Signing in
again"; #11, "one contract for client writers").

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

from tests.conftest import login


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _push(client: Any, token: str, client_id: str, mutations: list[dict], sent_at: Any) -> Any:
    body = {"client_id": client_id, "protocol": 1, "sent_at": sent_at.isoformat(), "mutations": mutations}
    return client.post("/api/sync/push", json=body, headers=_auth(token))


def _outbox(demo: dict[str, Any], now: Any) -> tuple[list[dict], str, str]:
    """Ids 1-3: a shift, a patrol at the self-service checkpoint, a patrol with a code
    that names no checkpoint (rejected)."""
    shift_id, patrol_id = str(uuid.uuid4()), str(uuid.uuid4())
    checks = {"atm": "ok", "lights": "ok"}
    mutations = [
        {"id": 1, "name": "shift.start", "at": (now - timedelta(hours=1)).isoformat(),
         "args": {"shift_id": shift_id, "post": "security"}},
        {"id": 2, "name": "patrol.record", "at": (now - timedelta(minutes=5)).isoformat(),
         "args": {"patrol_id": patrol_id, "checkpoint_code": demo["checkpoints"]["self_service"], "checks": checks}},
        {"id": 3, "name": "patrol.record", "at": (now - timedelta(minutes=4)).isoformat(),
         "args": {"patrol_id": str(uuid.uuid4()), "checkpoint_code": "no-such-code", "checks": checks}},
    ]
    return mutations, shift_id, patrol_id


def _revoke(client: Any, session_id: str) -> None:
    manager = login(client, "DEMO01-OM1")
    resp = client.post(f"/api/sessions/{session_id}/revoke", headers=_auth(manager["token"]))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["revoked_at"]


def _pull_all(client: Any, token: str, client_id: str, cursor: str | None = None,
              held: dict[tuple[str, str], dict] | None = None) -> tuple[dict[tuple[str, str], dict], int, str, bool]:
    """Pull every page from ``cursor`` into ``held``: (held, last_mutation_id, cursor, reset)."""
    held = {} if held is None else held
    last, reset = None, None
    while True:
        body = {"client_id": client_id, "protocol": 1, "cursor": cursor, "limit": 500}
        resp = client.post("/api/sync/pull", json=body, headers=_auth(token))
        assert resp.status_code == 200, resp.get_json()
        page = resp.get_json()
        reset = page["reset"] if reset is None else reset
        for ch in page["changes"]:
            if ch["op"] == "put":
                held[(ch["entity"], str(ch["id"]))] = ch["data"]
            else:
                held.pop((ch["entity"], str(ch["id"])), None)
        cursor, last = page["cursor"], page["last_mutation_id"]
        if not page["has_more"]:
            return held, last, cursor, reset


def test_same_client_id_after_signing_in_again_gets_duplicates_with_the_real_outcomes(client, demo, clock):
    guard = login(client, "DEMO01-G1")
    client_id = str(uuid.uuid4())
    outbox, shift_id, patrol_id = _outbox(demo, clock.now())
    held, _, cursor, _ = _pull_all(client, guard["token"], client_id)  # the device's copy
    assert not any(entity == "patrol" for entity, _ in held)

    first = _push(client, guard["token"], client_id, outbox, clock.now())
    assert first.status_code == 200, first.get_json()
    original = first.get_json()["results"]
    assert [r["status"] for r in original] == ["applied", "applied", "rejected"]
    assert original[2]["error"]["code"] == "unknown_checkpoint"
    # ... and the device never hears this answer. The session is revoked meanwhile.
    _revoke(client, guard["session_id"])

    clock.advance(minutes=1)
    outbox.append({"id": 4, "name": "patrol.record", "at": clock.now().isoformat(),
                   "args": {"patrol_id": str(uuid.uuid4()), "checkpoint_code": demo["checkpoints"]["self_service"],
                            "checks": {"doors": "ok"}}})
    refused = _push(client, guard["token"], client_id, outbox, clock.now())
    assert refused.status_code == 401 and refused.get_json()["code"] == "unauthenticated"

    again = login(client, "DEMO01-G1")
    assert again["token"] != guard["token"] and again["session_id"] != guard["session_id"]
    clock.advance(seconds=30)
    resent = _push(client, again["token"], client_id, outbox, clock.now())
    assert resent.status_code == 200, resent.get_json()
    body = resent.get_json()
    assert body["last_mutation_id"] == 4
    results = body["results"]
    assert [r["id"] for r in results] == [1, 2, 3, 4]
    for was, now in zip(original, results[:3]):
        assert now["duplicate"] is True
        assert {k: v for k, v in now.items() if k != "duplicate"} == was
    assert results[3]["status"] == "applied" and not results[3].get("duplicate")

    held, last, _, reset = _pull_all(client, again["token"], client_id, cursor, held)
    assert last == 4 and reset is False  # the same person's scope: the cursor goes on
    patrols = [data for (entity, _), data in held.items() if entity == "patrol"]
    assert len(patrols) == 2 and patrol_id in {p["id"] for p in patrols}
    assert all(p["shift_id"] == shift_id for p in patrols)


def test_a_new_client_id_from_id_1_shows_done_work_as_rejected(client, demo, clock):
    """Why the docs say "keep the client_id": a fresh one re-applies the outbox as new
    mutations, and the records they make exist already."""
    guard = login(client, "DEMO01-G1")
    outbox, _, _ = _outbox(demo, clock.now())
    first = _push(client, guard["token"], str(uuid.uuid4()), outbox, clock.now())
    assert [r["status"] for r in first.get_json()["results"]] == ["applied", "applied", "rejected"]
    _revoke(client, guard["session_id"])

    again = login(client, "DEMO01-G1")
    resent = _push(client, again["token"], str(uuid.uuid4()), outbox, clock.now())
    assert resent.status_code == 200, resent.get_json()
    results = resent.get_json()["results"]
    assert [r["status"] for r in results[:2]] == ["rejected", "rejected"]
    assert not any(r.get("duplicate") for r in results)


def test_the_client_id_stays_with_its_staff_member(client, demo, clock):
    """Another person signing in on the same install makes a new client_id: the old one
    answers 403 ``client_owned_by_other``, for push and pull."""
    guard = login(client, "DEMO01-G1")
    client_id = str(uuid.uuid4())
    outbox, _, _ = _outbox(demo, clock.now())
    assert _push(client, guard["token"], client_id, outbox[:1], clock.now()).status_code == 200
    other = login(client, "DEMO01-G2")
    pushed = _push(client, other["token"], client_id, [], clock.now())
    assert pushed.status_code == 403 and pushed.get_json()["code"] == "client_owned_by_other"
    pulled = client.post("/api/sync/pull", json={"client_id": client_id, "protocol": 1, "cursor": None},
                         headers=_auth(other["token"]))
    assert pulled.status_code == 403 and pulled.get_json()["code"] == "client_owned_by_other"
