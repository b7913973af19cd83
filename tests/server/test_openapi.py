"""The API is described by an OpenAPI 3 document with a docs page that needs no CDN."""
from __future__ import annotations

import re


def test_openapi_document_describes_login_from_its_schema(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    login = spec["paths"]["/api/auth/login"]["post"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    assert {"employee_no", "password"} <= set(spec["components"]["schemas"][name]["properties"])
    assert {"200", "401", "429"} <= set(login["responses"])
    assert spec["paths"]["/api/sessions"]["get"]["security"] == [{"bearer": []}]


def test_every_route_is_in_the_document(app, client):
    spec = client.get("/api/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/docs/assets"):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path


def test_docs_page_loads_only_local_assets(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert not re.search(r"(src|href)=\"https?://", page)
    for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", page):
        resp = client.get(asset)
        assert resp.status_code == 200, asset
        resp.close()


def test_documented_push_and_pull_shapes_are_what_the_engine_accepts(client, as_role):
    """The OpenAPI envelope schemas load a real push/pull body that the engine answers 200."""
    import uuid

    from server.schemas.sync import PullIn, PushIn

    guard = as_role("guard")
    push = {"client_id": str(uuid.uuid4()), "protocol": 1, "sent_at": "2026-11-28T10:00:00+08:00",
            "mutations": [{"id": 1, "name": "no.such", "at": "2026-11-28T10:00:00+08:00", "args": {}}]}
    pull = {"client_id": push["client_id"], "protocol": 1, "cursor": None, "limit": 10}
    PushIn().load(push)
    PullIn().load(pull)
    assert guard.post("/api/sync/push", json=push).status_code == 200
    assert guard.post("/api/sync/pull", json=pull).status_code == 200
    spec = client.get("/api/openapi.json").get_json()
    assert "PushIn" in spec["components"]["schemas"] and "PullOut" in spec["components"]["schemas"]
    assert {"409", "413"} <= set(spec["paths"]["/api/sync/push"]["post"]["responses"])
