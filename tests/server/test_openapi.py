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
