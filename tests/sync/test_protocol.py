"""sync-protocol "Push"/"Pull" envelope clauses: 400 invalid_request, unsupported_protocol, 413."""
from __future__ import annotations

import uuid

import pytest

from sync import protocol
from sync.errors import InvalidRequest, TooLarge, UnsupportedProtocol

CID = str(uuid.uuid4())
SENT = "2026-11-28T10:40:02+08:00"


def push_body(**kw):
    body = {"client_id": CID, "protocol": 1, "sent_at": SENT, "mutations": []}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize(
    "body, field",
    [
        ([], "_body"),
        ("push", "_body"),
        (push_body(mutations=...), "mutations"),
        (push_body(mutations={"id": 1}), "mutations"),
        (push_body(mutations=[7]), "mutations.0"),
        (push_body(mutations=[{"id": "1", "name": "x"}]), "mutations.0.id"),
        (push_body(mutations=[{"id": 1.5}]), "mutations.0.id"),
        (push_body(mutations=[{"id": True}]), "mutations.0.id"),
        (push_body(mutations=[{"id": 0}]), "mutations.0.id"),
        (push_body(mutations=[{"id": 2**63}]), "mutations.0.id"),
        (push_body(mutations=[{"id": 1}, {"id": 3}]), "mutations.1.id"),
        (push_body(client_id="not-a-uuid"), "client_id"),
        (push_body(client_id=...), "client_id"),
        (push_body(sent_at="yesterday"), "sent_at"),
        (push_body(sent_at="2026-11-28T10:40:02"), "sent_at"),  # no offset
        (push_body(sent_at="0001-01-01T00:00:00+14:00"), "sent_at"),  # would overflow UTC
        (push_body(protocol=...), "protocol"),
        (push_body(protocol="1"), "protocol"),
    ],
)
def test_push_body_not_the_envelope_is_invalid_request_with_field_errors(body, field):
    with pytest.raises(InvalidRequest) as err:
        protocol.parse_push(body, max_mutations=500)
    assert field in err.value.errors


def test_push_inside_a_mutation_is_not_checked_by_the_envelope():
    body = push_body(mutations=[{"id": 1, "name": 42, "at": "nope", "args": "x"}])
    assert protocol.parse_push(body, max_mutations=500).mutations[0].raw["name"] == 42


def test_unknown_protocol_names_the_versions_spoken():
    with pytest.raises(UnsupportedProtocol) as err:
        protocol.parse_push(push_body(protocol=2), max_mutations=500)
    assert err.value.extra["supported"] == [1]


def test_more_than_500_mutations_is_too_large():
    body = push_body(mutations=[{"id": i} for i in range(1, 502)])
    with pytest.raises(TooLarge):
        protocol.parse_push(body, max_mutations=500)
    assert len(protocol.parse_push(push_body(mutations=body["mutations"][:500]), max_mutations=500).mutations) == 500


@pytest.mark.parametrize(
    "extra, field",
    [({"cursor": 5}, "cursor"), ({"cursor": ""}, "cursor"), ({"limit": 0}, "limit"), ({"limit": "9"}, "limit"),
     ({"wait": 31}, "wait"), ({"wait": -1}, "wait"), ({"wait": "5"}, "wait")],
)
def test_pull_body_not_the_envelope_is_invalid_request(extra, field):
    with pytest.raises(InvalidRequest) as err:
        protocol.parse_pull({"client_id": CID, "protocol": 1, "cursor": None, **extra})
    assert field in err.value.errors


def test_non_json_and_nan_are_invalid_request():
    for raw in (b"{", b"\xff", b'{"a": NaN}'):
        with pytest.raises(InvalidRequest):
            protocol.load_json(raw)


def test_encode_pull_splices_stored_json_unparsed():
    changes = [protocol.Change(3, "note", "a", "put", '{"x":1}'), protocol.Change(4, "note", "b", "delete", None)]
    text = protocol.encode_pull({"cursor": "c", "has_more": False, "changes": changes})
    import json

    assert json.loads(text) == {
        "cursor": "c", "has_more": False,
        "changes": [{"entity": "note", "id": "a", "op": "put", "data": {"x": 1}}, {"entity": "note", "id": "b", "op": "delete"}],
    }


# --- over HTTP ---------------------------------------------------------------------------


def test_push_envelope_errors_are_problem_json_400(device):
    guard = device("guard")
    resp = guard.push_raw([{"id": "one"}])
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == "invalid_request" and "mutations.0.id" in body["errors"]


def test_push_body_not_json_is_invalid_request(device):
    guard = device("guard")
    resp = guard.rc.post("/api/sync/push", data="{nope", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["code"] == "invalid_request"


def test_unsupported_protocol_over_http(device):
    guard = device("guard")
    resp = guard.rc.post("/api/sync/pull", json={"client_id": str(guard.client_id), "protocol": 9, "cursor": None})
    assert resp.status_code == 400
    assert resp.get_json()["code"] == "unsupported_protocol" and resp.get_json()["supported"] == [1]


def test_push_of_501_mutations_is_413_too_large(device):
    guard = device("guard")
    resp = guard.push_raw([guard.note() for _ in range(501)])
    assert resp.status_code == 413 and resp.get_json()["code"] == "too_large"
    assert guard.pull(cursor=None)["last_mutation_id"] == 0


def test_push_over_1_mib_is_413_too_large(device):
    guard = device("guard")
    resp = guard.push_raw([guard.note("x" * (1024 * 1024 + 10))])
    assert resp.status_code == 413 and resp.get_json()["code"] == "too_large"
