"""The OpenAPI document describes what the server really answers (#11): sampled real
answers, of every JSON route of the document as the roles that read it and of writes,
and the data of every entity a real pull carries, validate against the document's own
schemas (OpenAPI 3.0 semantics: ``nullable``, formats), where every response and entity
schema is closed (``additionalProperties: false``): a field the document does not
declare, or a value of the wrong type, fails. The docs page needs no CDN.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from server.services import compliance as C
from tests.conftest import DEMO_PASSWORD
from tests.server.test_entities_doc import day_of_every_kind
from tests.stories.test_day_in_the_life import jpeg
from tests.support.factories import regional_officer
from tests.support.pushpull import pull

#: Who reads: every JSON GET of the document is asked as each of them.
ROLES = ("admin", "operations_manager", "lobby_manager", "guard", "teller")
#: JSON GETs no sampled answer can cover, and why.
UNSAMPLED = {
    "docs.openapi": "the document itself: OpenAPI 3.0, not a schema of ours",
}
DAY = "2026-11-28"


def deref(node: Any, spec: dict[str, Any]) -> Any:
    """``node`` with every ``#/components/...`` reference replaced by what it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            _, section, kind, name = node["$ref"].split("/")
            return deref(spec[section][kind][name], spec)
        return {key: deref(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [deref(item, spec) for item in node]
    return node


def closed(schema: Any) -> None:
    """Every object schema of an answer declares its fields: no undeclared field passes."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            assert schema.get("additionalProperties") is False, sorted(schema["properties"])
        for value in schema.values():
            closed(value)
    elif isinstance(schema, list):
        for item in schema:
            closed(item)


def validator(schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)


class Document:
    """The served document, and the operation of each real answer."""

    def __init__(self, client: Any) -> None:
        self.spec = client.get("/api/openapi.json").get_json()
        self.routes = [(re.compile("^" + re.sub(r"\{\w+\}", r"[^/]+", path) + "$"), path)
                       for path in self.spec["paths"]]
        self.checked: set[str] = set()

    def operation(self, method: str, url: str) -> dict[str, Any]:
        path = url.split("?")[0]
        matches = [t for rx, t in self.routes if rx.match(path)]
        # A literal segment wins over a parameter (``/contractors/on-site`` over ``{contractor_id}``).
        template = min(matches, key=lambda t: t.count("{"))
        return self.spec["paths"][template][method.lower()]

    def response_schema(self, op: dict[str, Any], status: int) -> dict[str, Any] | None:
        answer = deref(op["responses"].get(str(status)) or (op["responses"].get("default") if status >= 400 else None),
                       self.spec)
        assert answer is not None, f"{op['operationId']} answered {status}, which it does not document"
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        return deref(schema, self.spec) if schema else None

    def check(self, method: str, url: str, resp: Any) -> Any:
        """Validate ``resp`` (a real answer to ``method url``) against its operation."""
        op = self.operation(method, url)
        schema = self.response_schema(op, resp.status_code)
        if resp.status_code < 300 and resp.mimetype == "application/json" and op["operationId"] not in UNSAMPLED:
            assert schema is not None, f"{op['operationId']}: a JSON answer with no schema in the document"
            closed(schema)
            body = resp.get_json()
            try:
                validator(schema).validate(body)
            except ValidationError as exc:
                raise AssertionError(f"{method} {url}: {exc.message} at {list(exc.absolute_path)}") from None
            self.checked.add(op["operationId"])
        return resp


def _ids(om: Any, lobby: Any, branch: str) -> dict[str, str]:
    """Real ids for the document's path parameters."""
    roster = om.get(f"/api/branches/{branch}/roster?date={DAY}").get_json()["items"]
    contractors = om.get(f"/api/branches/{branch}/contractors").get_json()["items"]
    complaints = lobby.get(f"/api/branches/{branch}/complaints?status=all").get_json()["items"]
    devices = om.get(f"/api/branches/{branch}/compliance?date={DAY}").get_json()["devices"]
    return {"branch_id": branch, "roster_id": roster[0]["id"], "contractor_id": contractors[0]["id"],
            "complaint_id": complaints[0]["id"], "client_id": devices[0]["client_id"], "year": "2026",
            "sha256": "0" * 64, "rel": "app.js", "filename": "swagger-ui.css"}


def _query(op: dict[str, Any], now_iso: str) -> str:
    """The required query parameters of ``op``, filled."""
    values = {"date": DAY, "at": now_iso}
    required = [p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
    return "&".join(f"{name}={values[name]}" for name in required)


@pytest.fixture
def day(app, demo, as_role, clock):
    """A day of records of every kind, the demo's lobby, and the day judged (#14)."""
    om = day_of_every_kind(demo, as_role, clock)
    with app.app_context():
        C.evaluate(clock.now())
    return om



def test_every_json_answer_of_the_document_matches_its_schema(app, client, demo, as_role, day, clock):
    doc = Document(client)
    clients = {role: as_role(role) for role in ROLES} | {"regional_officer": regional_officer(app, client)}
    ids = _ids(clients["operations_manager"], clients["lobby_manager"], demo["branch_id"])
    expected = set()
    for template, operations in doc.spec["paths"].items():
        op = operations.get("get")
        if op is None:
            continue
        ok = deref(op["responses"].get("200", {}), doc.spec)
        if "application/json" in ok.get("content", {}) and op["operationId"] not in UNSAMPLED:
            expected.add(op["operationId"])
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
        query = _query(op, clock.now().isoformat().replace("+00:00", "Z"))
        target = f"{url}?{query}" if query else url
        for rc in clients.values():
            doc.check("GET", target, rc.get(target)).close()
    assert expected - doc.checked == set(), "documented JSON reads no role could sample"


def test_writes_answer_what_the_document_says(client, demo, as_role, day):
    doc = Document(client)
    admin, om, guard = as_role("admin"), as_role("operations_manager"), as_role("guard")
    branch = f"/api/branches/{demo['branch_id']}"
    staff_id = guard.staff["id"]

    def send(rc: Any, method: str, url: str, **kwargs: Any) -> Any:
        resp = doc.check(method, url, getattr(rc, method.lower())(url, **kwargs))
        assert resp.status_code < 300, resp.get_json()
        return resp.get_json()

    login = client.post("/api/auth/login", json={"employee_no": next(iter(demo["accounts"])), "password": DEMO_PASSWORD})
    assert doc.check("POST", "/api/auth/login", login).status_code == 200
    roster = send(om, "POST", f"{branch}/roster", json={"post": "security", "staff_id": staff_id,
                                                       "starts_at": "2026-11-29T00:00:00Z", "ends_at": "2026-11-29T08:00:00Z"})
    send(om, "PATCH", f"{branch}/roster/{roster['id']}", json={"notes": "swap with 李军"})
    made = send(om, "POST", f"{branch}/contractors", json={
        "name": "周师傅", "employer": "Lift Co", "badge_no": "L-9", "valid_from": "2026-11-01", "valid_to": "2026-12-31"})
    send(om, "PATCH", f"{branch}/contractors/{made['id']}", json={"scope": ["lift"]})
    send(om, "POST", f"{branch}/contractors/{made['id']}/revoke", json={"reason": "contract ended"})
    checkpoint = send(admin, "POST", f"{branch}/checkpoints", json={"area": "lobby", "name_zh": "大厅", "name_en": "Lobby"})
    send(admin, "POST", f"/api/checkpoints/{checkpoint['id']}/rotate")
    send(admin, "PUT", "/api/calendar/2027", json={"complete": True, "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]})
    send(admin, "PUT", "/api/complaint-codes/business/07", json={"zh": "外汇", "en": "foreign exchange"})
    photo = jpeg()
    digest = hashlib.sha256(photo).hexdigest()
    doc.check("PUT", f"/api/photos/{digest}", guard.put(f"/api/photos/{digest}", data=photo,
                                                          headers={"Content-Type": "image/jpeg"}))
    push = {"client_id": str(uuid.uuid4()), "protocol": 1, "sent_at": "2026-11-28T10:00:00+08:00",
            "mutations": [{"id": 1, "name": "no.such", "at": "2026-11-28T10:00:00+08:00", "args": {}}]}
    send(guard, "POST", "/api/sync/push", json=push)
    pulled = send(guard, "POST", "/api/sync/pull", json={"client_id": push["client_id"], "protocol": 1, "cursor": None})
    assert pulled["changes"], "a first pull carries the branch"
    sessions = send(admin, "GET", "/api/sessions")["sessions"]
    send(admin, "POST", f"/api/sessions/{sessions[-1]['id']}/revoke")
    wanted = {"branch.create_roster", "branch.update_roster", "branch.register_contractor", "sync.push",
              "sync.pull", "photos.put_photo", "auth.login", "calendar.put_year", "lobby.correct_code"}
    assert wanted - doc.checked == set()


def test_every_entity_a_pull_carries_matches_its_documented_data(client, as_role, day):
    spec = Document(client).spec
    entities = spec["x-entities"]
    seen = set()
    for role in ("operations_manager", "admin", "lobby_manager"):
        for (entity, _), data in pull(as_role(role)).items():
            assert entity in entities, f"{entity} is pulled but not in the document's x-entities"
            schema = deref(entities[entity]["data"], spec)
            closed(schema)
            try:
                validator(schema).validate(data)
            except ValidationError as exc:
                raise AssertionError(f"{entity}: {exc.message} at {list(exc.absolute_path)}") from None
            seen.add(entity)
    assert seen == set(entities), set(entities) - seen


def test_the_document_refuses_an_undeclared_field_and_a_wrong_type(client, demo, as_role):
    doc = Document(client)
    answer = as_role("operations_manager").get(f"/api/branches/{demo['branch_id']}/contractors").get_json()
    schema = doc.response_schema(doc.operation("GET", f"/api/branches/{demo['branch_id']}/contractors"), 200)
    validator(schema).validate(answer)
    extra = {**answer, "items": [{**answer["items"][0], "surprise": 1}]}
    wrong = {**answer, "items": [{**answer["items"][0], "revoked": "no"}]}
    for body in (extra, wrong):
        with pytest.raises(ValidationError):
            validator(schema).validate(body)
    # A nullable nested object (a visit's end_times) is null or the closed Times, never any object.
    visit = deref(doc.spec["components"]["schemas"]["VisitOut"], doc.spec)
    validator(visit).validate({"end_times": None})
    with pytest.raises(ValidationError):
        validator(visit).validate({"end_times": {"happened_at": "2026-11-28T02:00:00Z", "surprise": 1}})


def test_mutators_document_the_args_schema_the_engine_loads(app, client):
    spec = client.get("/api/openapi.json").get_json()
    registry = app.extensions["sync_registry"]
    assert set(spec["x-mutations"]) == set(registry.mutators)
    for name, documented in spec["x-mutations"].items():
        mutator = registry.mutators[name]
        component = documented["args"]["$ref"].rsplit("/", 1)[1]
        assert component == type(mutator.schema).__name__
        assert set(spec["components"]["schemas"][component]["properties"]) == set(mutator.schema.fields)
        assert documented["roles"] == sorted(mutator.roles)


def test_login_is_documented_from_the_schema_that_loads_it(client):
    spec = client.get("/api/openapi.json").get_json()
    login = spec["paths"]["/api/auth/login"]["post"]
    name = login["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"employee_no", "password"} <= set(spec["components"]["schemas"][name]["properties"])
    assert {"200", "401", "422", "429"} <= set(login["responses"]) and "security" not in login
    assert spec["paths"]["/api/sessions"]["get"]["security"] == [{"bearer": []}]
    problem = deref(spec["paths"]["/api/sessions"]["get"]["responses"]["401"], spec)
    assert "application/problem+json" in problem["content"]


def test_every_route_is_in_the_document(app, client):
    spec = client.get("/api/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path


def test_docs_page_loads_only_local_assets(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert not re.search(r"(src|href)=\"https?://", page)
    for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", page):
        resp = client.get(asset)
        assert resp.status_code == 200, asset
        resp.close()
    init = client.get("/api/docs/assets/fieldops-init.js").get_data(as_text=True)
    assert 'validatorUrl: "none"' in init and "/api/openapi.json" in init
