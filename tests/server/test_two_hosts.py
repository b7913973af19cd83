"""Two hosts on one PostgreSQL database agree (#16).

Two server processes, each with its own instance folder and no ``SECRET_KEY`` shared by
hand, as two checkouts behind one load balancer: a cursor from one is accepted by the
other, a photo uploaded (half of it) to one is finished and served by the other, a push
to one wakes a long poll on the other, a session revoked on one is refused by the other.
"""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone

import pytest

from tests.field.field_helpers import make_image, sha
from tests.server.hosts import Host, fleet_pg  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]


@pytest.fixture
def hosts(fleet_pg, tmp_path):  # noqa: F811
    first = Host(fleet_pg, tmp_path / "host-a")
    demo = first.seed()
    second = Host(fleet_pg, tmp_path / "host-b")
    first.start(), second.start()
    yield first, second, demo
    first.stop(), second.stop()


def _pull(client_id, cursor=None, wait=0):
    return {"client_id": str(client_id), "protocol": 1, "cursor": cursor, "limit": 500, "wait": wait}


def _report(mutation_id):
    return {"id": mutation_id, "name": "incident.report", "at": datetime.now(timezone.utc).isoformat(),
            "args": {"incident_id": str(uuid.uuid4()), "category": "equipment", "location": "ATM 2",
                     "description": "card reader jammed", "severity": "low"}}


def test_two_hosts_share_cursors_photos_wake_ups_and_revocations(hosts):
    a, b, demo = hosts
    guard = next(no for no, acc in demo["accounts"].items() if acc["role"] == "guard")
    token = a.login(guard)
    device = uuid.uuid4()

    # A cursor signed by one host is the other's too (no bad_cursor, no reset).
    status, first = a.request("POST", "/api/sync/pull", _pull(device), token=token)
    assert status == 200, first
    status, again = b.request("POST", "/api/sync/pull", _pull(device, first["cursor"]), token=token)
    assert (status, again["reset"]) == (200, False), again

    # A photo begun on one host is finished on the other and served by both.
    data = make_image(seed=16)
    half = len(data) // 2
    url = f"/api/photos/{sha(data)}"
    status, _ = a.request("PUT", url, data[:half], token=token, headers={
        "Content-Type": "application/octet-stream", "Content-Range": f"bytes 0-{half - 1}/{len(data)}"})
    assert status in (200, 201, 202), status
    status, body = b.request("PUT", url, data[half:], token=token, headers={
        "Content-Type": "application/octet-stream", "Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"})
    assert status in (200, 201) and body["complete"], body
    assert a.request("GET", url, token=token) == (200, data)
    assert b.request("GET", url, token=token) == (200, data)

    # A push to one host wakes a long poll waiting on the other, well within 1 s.
    answered: list[tuple[int, dict, float]] = []

    def wait_on_b() -> None:
        status, page = b.request("POST", "/api/sync/pull", _pull(device, again["cursor"], wait=20), token=token)
        answered.append((status, page, time.monotonic()))

    waiter = threading.Thread(target=wait_on_b)
    waiter.start()
    time.sleep(1.0)  # the waiter is asleep on b
    assert not answered
    status, pushed = a.request("POST", "/api/sync/push", {
        "client_id": str(uuid.uuid4()), "protocol": 1, "sent_at": datetime.now(timezone.utc).isoformat(),
        "mutations": [_report(1)]}, token=token)
    committed = time.monotonic()
    assert status == 200 and pushed["results"][0]["status"] == "applied", pushed
    waiter.join(10)
    status, page, woke = answered[0]
    assert status == 200 and [c["entity"] for c in page["changes"]] == ["incident"], page
    assert woke - committed < 1.0

    # A session revoked on one host is refused by the other at once: its waiting pull
    # is answered 401 within a second, and so is its next one.
    answered.clear()
    again = page
    waiter = threading.Thread(target=wait_on_b)
    waiter.start()
    time.sleep(1.0)
    assert not answered
    assert a.request("POST", "/api/auth/logout", token=token)[0] == 204
    revoked = time.monotonic()
    waiter.join(10)
    status, problem, answered_at = answered[0]
    assert (status, problem["code"]) == (401, "unauthenticated") and answered_at - revoked < 1.0, problem
    status, problem = b.request("POST", "/api/sync/pull", _pull(device, page["cursor"]), token=token)
    assert (status, problem["code"]) == (401, "unauthenticated"), problem
