"""What every answer shares on the wire (#11): times in UTC with ``Z`` through one
``iso()``, and a request id per request in ``X-Request-Id``."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from server.models.base import iso
from tests.conftest import login

Z_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_iso_is_utc_with_z_whatever_the_offset():
    shanghai = timezone(timedelta(hours=8))
    assert iso(datetime(2026, 11, 28, 10, 0, tzinfo=shanghai)) == "2026-11-28T02:00:00Z"
    assert iso(None) is None
    with pytest.raises(ValueError):
        iso(datetime(2026, 11, 28, 10, 0))


def test_healthz_server_time_ends_in_z(client):
    body = client.get("/healthz").get_json()
    assert Z_TIME.match(body["server_time"]), body


def test_login_expires_at_ends_in_z(client, demo):
    guard = next(no for no, acc in demo["accounts"].items() if acc["role"] == "guard")
    body = login(client, guard)
    assert Z_TIME.match(body["expires_at"]), body


def test_unstaffed_posts_times_end_in_z(as_role, demo):
    manager = as_role("operations_manager")
    url = f"/api/branches/{demo['branch_id']}/unstaffed-posts?at=2026-11-28T08:30:00%2B08:00"
    body = manager.get(url).get_json()
    assert body["at"] == "2026-11-28T00:30:00Z" and body["unstaffed"], body
    for item in body["unstaffed"]:
        assert Z_TIME.match(item["starts_at"]) and Z_TIME.match(item["due_by"]), item


def test_a_datetime_anywhere_in_a_json_answer_goes_out_through_iso(app, client):
    @app.get("/wire-probe")
    def probe():
        return {"at": datetime(2026, 11, 28, 10, 0, tzinfo=timezone(timedelta(hours=8)))}

    assert client.get("/wire-probe").get_json() == {"at": "2026-11-28T02:00:00Z"}


def test_every_answer_has_its_own_request_id(client):
    first, second = client.get("/healthz"), client.get("/no-such-route")
    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
