"""Rejected mutations are kept, but one client stores at most a bound of them a day;
beyond it pushes are refused 429 and supervisors see it (#12)."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from server.extensions import db
from sync import store


@pytest.fixture
def app_overrides():
    return {"sync_rejected_bytes_per_day": 20_000}


def _junk(client_id: str, first: int, n: int, now) -> dict:
    return {"client_id": client_id, "protocol": 1, "sent_at": now.isoformat(), "mutations": [
        {"id": first + i, "name": "no.such.mutation", "at": now.isoformat(), "args": {"junk": "x" * 3000}}
        for i in range(n)]}


def test_a_client_over_its_daily_bound_of_rejections_is_refused_429(app, as_role, demo, clock):
    cleaner, manager = as_role("cleaner"), as_role("operations_manager")
    client_id = str(uuid.uuid4())
    first = cleaner.post("/api/sync/push", json=_junk(client_id, 1, 8, clock.now()))  # ~24 kB: over the bound
    assert first.status_code == 200 and all(r["status"] == "rejected" for r in first.get_json()["results"])
    refused = cleaner.post("/api/sync/push", json=_junk(client_id, 9, 1, clock.now()))
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["code"] == "rejected_quota_exceeded" and body["limit"] == 20_000
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400
    with app.app_context():  # every rejection stored before the bound is kept whole
        rows = store.list_mutations(db.session, client_id=uuid.UUID(client_id), limit=100)
        assert len(rows) == 8 and all(len(r.raw) > 3000 for r in rows)
    # Supervisors see it: the branch's rejected list names the client, and its log says how much.
    listed = manager.get(f"/api/branches/{demo['branch_id']}/rejected-mutations").get_json()
    [refusal] = listed["refused_clients"]
    assert refusal["client_id"] == client_id and refusal["refused_pushes"] == 1
    assert refusal["rejected_bytes"] > 20_000 and refusal["last_refused_at"].endswith("Z")
    log = manager.get(f"/api/sync/clients/{client_id}/mutations").get_json()
    assert log["client"]["refused_pushes"] == 1
    # Another client of the same person is not affected; the day's window passing frees this one.
    assert cleaner.post("/api/sync/push", json=_junk(str(uuid.uuid4()), 1, 1, clock.now())).status_code == 200
    clock.advance(timedelta(days=1, seconds=1))
    again = cleaner.post("/api/sync/push", json=_junk(client_id, 9, 1, clock.now()))
    assert again.status_code == 200
    assert manager.get(f"/api/sync/clients/{client_id}/mutations").get_json()["client"]["rejected_bytes"] < 5000


def test_applied_mutations_never_count_against_the_bound(app, as_role, demo, clock):
    from tests.support.pushpull import push

    guard = as_role("guard")
    args = {"category": "other", "location": "lobby", "description": "y" * 3000, "severity": "low"}
    for _ in range(10):
        results = push(guard, [{"name": "incident.report", "at": None,
                                "args": {**args, "incident_id": str(uuid.uuid4())}}])
        assert results[0]["status"] == "applied"
