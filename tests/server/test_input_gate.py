"""The input gate (server/input_gate.py, sync/strict_json.py): one test per class of bad
input that answered 500, or answered wrongly, in #12; every one on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
import uuid

import pytest

from tests.conftest import T0

LOGIN = "/api/auth/login"
PUSH, PULL = "/api/sync/push", "/api/sync/pull"


def _problem(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == code, body
    return body


def _post_json_text(client, path, text, headers=None):
    return client.post(path, data=text.encode(), content_type="application/json", headers=headers or {})


def _push_text(rc, mutations: list[str], client_id: str | None = None) -> str:
    """A push envelope whose mutations are JSON texts exactly as given."""
    return ('{"client_id": "%s", "protocol": 1, "sent_at": "%s", "mutations": [%s]}'
            % (client_id or uuid.uuid4(), T0.isoformat(), ", ".join(mutations)))


def _mutation(mid: int, name: str, args_text: str) -> str:
    return '{"id": %d, "name": %s, "at": "%s", "args": %s}' % (mid, json.dumps(name), T0.isoformat(), args_text)


def _shift_start(mid: int) -> str:
    return _mutation(mid, "shift.start", json.dumps({"shift_id": str(uuid.uuid4()), "post": "security"}))


def _guard_employee_no(demo):
    return next(no for no, acc in demo["accounts"].items() if acc["role"] == "guard")


# --- JSON nested 1,000 deep, and args 5,000 deep inside a valid push -------------------------


@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000])
def test_deep_json_on_login_push_and_pull_is_refused_not_500(client, as_role, text):
    guard = as_role("guard")
    body = _problem(_post_json_text(client, LOGIN, text), 400, "invalid_json")
    assert body["reason"] == "too_deep"
    for path in (PUSH, PULL):
        _problem(_post_json_text(guard, path, text), 400, "invalid_request")


def test_args_nested_5000_deep_reject_that_mutation_only(as_role):
    guard, admin = as_role("guard"), as_role("admin")
    deep = '{"k": ' + "[" * 5000 + "]" * 5000 + "}"
    resp = _post_json_text(guard, PUSH, _push_text(guard, [_mutation(1, "shift.start", deep), _shift_start(2)]))
    assert resp.status_code == 200, resp.get_json()
    first, second = resp.get_json()["results"]
    assert first["status"] == "rejected" and first["error"]["code"] == "invalid_json"
    [where] = first["error"]["errors"]
    assert where == "mutations.0.args.k" + ".0" * 28  # the container at depth 33
    assert second["status"] == "applied", second
    listed = admin.get(f"/api/branches/{guard.staff['branch_id']}/rejected-mutations")
    assert listed.status_code == 200
    [kept] = json.loads(listed.data)["items"]
    assert "nested deeper than 32" in json.dumps(kept)  # kept, named, without the 5,000 levels


# --- lone surrogates --------------------------------------------------------------------------


def test_lone_surrogates_are_refused_in_login_and_reject_one_mutation(client, as_role, demo):
    body = _problem(_post_json_text(client, LOGIN, '{"employee_no": "\\ud800", "password": "x"}'), 400,
                    "invalid_json")
    assert body["reason"] == "lone_surrogate" and body["errors"] == {"employee_no": [body["errors"]["employee_no"][0]]}
    login = '{"employee_no": "%s", "password": "x", "device_label": "\\udfff"}' % _guard_employee_no(demo)
    _problem(_post_json_text(client, LOGIN, login), 400, "invalid_json")
    guard = as_role("guard")
    mutations = [
        _mutation(1, "\ud800", "{}").replace("\ud800", "\\ud800"),  # in a mutation's name
        _mutation(2, "shift.start", '{"\\ud800": 1}'),  # in an args key
        _mutation(3, "shift.start", '{"post": "\\udc00"}'),  # in an args value
        _shift_start(4),
    ]
    resp = _post_json_text(guard, PUSH, _push_text(guard, mutations))
    assert resp.status_code == 200, resp.get_json()
    results = resp.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3 + ["applied"]
    assert {r["error"]["code"] for r in results[:3]} == {"invalid_json"}
    assert "mutations.1.args.\\ud800" in results[1]["error"]["errors"]  # the key, escaped


# --- NUL ---------------------------------------------------------------------------------------


def test_nul_is_refused_in_bodies_queries_and_an_incident_report(client, as_role, demo):
    body = _problem(_post_json_text(client, LOGIN, '{"employee_no": "a\\u0000b", "password": "x"}'), 400,
                    "invalid_json")
    assert body["reason"] == "nul"
    admin, guard = as_role("admin"), as_role("guard")
    branch = demo["branch_id"]
    body = _problem(admin.get(f"/api/branches/{branch}/contractor-visits?badge_no=a%00b"), 422, "validation_failed")
    assert "badge_no" in body["errors"]
    report = json.dumps({"incident_id": str(uuid.uuid4()), "category": "disorder", "location": "lobby",
                         "description": "x\x00y", "severity": "medium"})
    resp = _post_json_text(guard, PUSH, _push_text(guard, [_mutation(1, "incident.report", report)]))
    [result] = resp.get_json()["results"]
    assert result["error"]["code"] == "invalid_json"  # was internal_error on PostgreSQL
    assert admin.get(f"/api/branches/{branch}/rejected-mutations").status_code == 200


# --- offsets and ints past 64 bits ------------------------------------------------------------


@pytest.mark.parametrize("offset", [2**63, 2**64, 10**30])
def test_offset_past_64_bits_is_422_on_every_paged_list(as_role, demo, offset):
    admin = as_role("admin")
    branch = demo["branch_id"]
    for path in (f"/api/branches/{branch}/rejected-mutations", f"/api/branches/{branch}/contractors",
                 f"/api/branches/{branch}/shifts", f"/api/branches/{branch}/incidents"):
        body = _problem(admin.get(f"{path}?offset={offset}"), 422, "validation_failed")
        assert "offset" in body["errors"], path
    _problem(admin.get(f"/api/calendar/{offset}"), 422, "validation_failed")
    ok = admin.get(f"/api/branches/{branch}/rejected-mutations?offset={2**63 - 1}")
    assert ok.status_code == 200 and ok.get_json()["items"] == []


# --- dates at the edges ------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["date=0001-01-01", "date=9999-12-31"])
def test_edge_dates_on_date_filters_are_422(as_role, demo, query):
    admin = as_role("operations_manager")
    branch = demo["branch_id"]
    for path in ("shifts", "handovers", "cleaning", "floor-rounds", "contractor-visits", "roster", "patrols"):
        body = _problem(admin.get(f"/api/branches/{branch}/{path}?{query}"), 422, "validation_failed")
        assert "date" in body["errors"], path


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_edge_times_on_at_and_roster_times_are_422(as_role, demo, at):
    admin = as_role("admin")
    branch = demo["branch_id"]
    _problem(admin.get(f"/api/branches/{branch}/unstaffed-posts", query_string={"at": at}), 422, "validation_failed")
    staff_id = demo["accounts"][_guard_employee_no(demo)]["staff_id"]
    roster = {"staff_id": staff_id, "post": "security", "starts_at": at, "ends_at": "2026-11-28T18:00:00+08:00"}
    body = _problem(admin.post(f"/api/branches/{branch}/roster", json=roster), 422, "validation_failed")
    assert "starts_at" in body["errors"]


# --- size limits, chunked too -----------------------------------------------------------------


def _chunked(rc, path, data, content_type="application/json", method="post"):
    """A chunked request as gunicorn hands it on: no length, ``wsgi.input_terminated``."""
    return getattr(rc, method)(path, input_stream=io.BytesIO(data), environ_base={"wsgi.input_terminated": True},
                               headers={"Transfer-Encoding": "chunked", "Content-Type": content_type})


def test_a_chunked_body_over_the_limit_is_413_too_large(app, client, as_role):
    guard = as_role("guard")
    limit = app.extensions["settings"].max_body_bytes
    big = b'{"a": "' + b"x" * limit + b'"}'
    for rc, path in ((client, LOGIN), (guard, PUSH), (guard, PULL)):
        _problem(_chunked(rc, path, big), 413, "too_large")
    small = json.dumps({"client_id": str(uuid.uuid4()), "protocol": 1, "cursor": None}).encode()
    assert _chunked(guard, PULL, small).status_code == 200  # a chunked body within the limit is read whole


@pytest.mark.parametrize("app_overrides", [{"photo_max_bytes": 4096}])
def test_a_chunked_photo_over_its_limit_is_413_not_digest_mismatch(as_role):
    guard = as_role("guard")
    resp = _chunked(guard, "/api/photos/" + "0" * 64, b"\xff" * 5000, "image/jpeg", method="put")
    _problem(resp, 413, "too_large")


# --- media types ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_endpoints_take_application_json_only(client, as_role, demo, content_type):
    guard = as_role("guard")
    headers = {"Content-Type": content_type} if content_type else {}
    push = json.dumps({"client_id": str(uuid.uuid4()), "protocol": 1, "sent_at": T0.isoformat(), "mutations": []})
    login = json.dumps({"employee_no": _guard_employee_no(demo), "password": "x"})
    for rc, path, body in ((guard, PUSH, push), (guard, PULL, push), (client, LOGIN, login)):
        resp = rc.post(path, data=body.encode(), headers=headers)
        _problem(resp, 415, "unsupported_media_type")
    assert guard.post(PUSH, data=push, content_type="application/json; charset=utf-8").status_code == 200


# --- repeated keys ---------------------------------------------------------------------------------


def test_a_repeated_key_is_refused_not_the_last_one_winning(client, as_role, demo):
    from tests.conftest import DEMO_PASSWORD

    text = '{"employee_no": "NOBODY", "employee_no": "%s", "password": "%s"}' % (_guard_employee_no(demo), DEMO_PASSWORD)
    body = _problem(_post_json_text(client, LOGIN, text), 400, "invalid_json")
    assert body["reason"] == "duplicate_key"
    guard = as_role("guard")
    twice = '{"post": "security", "post": "lobby", "shift_id": "%s"}' % uuid.uuid4()
    resp = _post_json_text(guard, PUSH, _push_text(guard, [_mutation(1, "shift.start", twice), _shift_start(2)]))
    results = resp.get_json()["results"]
    assert results[0]["error"]["code"] == "invalid_json" and results[1]["status"] == "applied"
    envelope = '{"protocol": 1, "protocol": 1, "client_id": "%s", "cursor": null}' % uuid.uuid4()
    _problem(_post_json_text(guard, PULL, envelope), 400, "invalid_request")
