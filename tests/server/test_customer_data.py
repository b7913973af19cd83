"""R-SEC-10 end to end: a customer marker that customer-data roles write wherever they
write free text reaches no other role through any GET of the OpenAPI document or any
pull (#12). Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
import re
import uuid

from server.rules import roles as R
from server.services.demo import DEMO_PEOPLE, seed_demo
from tests.conftest import DEMO_PASSWORD, RoleClient, login
from tests.support.factories import at, new_id, regional_officer, start_shift
from tests.support.device import device_of
from tests.support.pushpull import pull, push, push_one
from tests.server.sync_handlers.test_handover import hand_over
from tests.server.sync_handlers.test_incident import report_args
from tests.server.services import lobby_support

MARKER = "MARKER-zhangsan-13800138000"  # ASCII: found in escaped JSON too
#: A regulator letter's customer (R-CMP-7): escalated to the parent branch at intake, so
#: regional officers read it too (R-SEC-10 "regional_officer for escalated cases").
REGIONAL = "REGIONAL-lisi-13900139000"
DAY = "2026-11-28"
QUERY = {"date": DAY, "status": "all", "include_revoked": "true"}


def _plant(as_role, demo) -> dict[str, list[str]]:
    """Every free text a customer-data role writes, carrying the marker (and a customer of
    the lobby named by it); returns path values."""
    lobby, manager, guard, g2 = as_role("lobby_manager"), as_role("operations_manager"), as_role("guard"), as_role("guard", 1)
    report = report_args(description=MARKER, location=MARKER)
    assert push_one(lobby, "incident.report", report)["status"] == "applied"
    own = report_args()
    push_one(guard, "incident.report", own)
    assert push_one(lobby, "incident.resolve", {"incident_id": own["incident_id"], "resolution": MARKER})["status"] == "applied"
    round_args = {"round_id": new_id(), "slot": "0930", "findings": MARKER, "posts_checked": ["lobby"]}
    assert push_one(manager, "floor_round.record", round_args, at(-22))["status"] == "applied"
    assert push_one(manager, "coaching.record", {"demo_id": new_id(), "topic": MARKER, "notes": MARKER})["status"] == "applied"
    assert push_one(manager, "floor_round.record", {**round_args, "bogus": MARKER})["status"] == "rejected"
    assert push_one(lobby, "no.such.mutation", {"text": MARKER})["status"] == "rejected"
    shift_id, _ = start_shift(guard, when=at(-480))
    hand_over(guard, shift_id, g2.staff["id"], items=("ATM 2 jammed",))
    for item_id in [k[1] for k in pull(g2) if k[0] == "handover_item"]:
        assert push_one(manager, "handover.item.close", {"item_id": item_id, "resolution": MARKER})["status"] == "applied"
    # The lobby (R-BOX-*, R-CMP-*): the suggestion box and a complaint, the marker as the customer.
    session_id = lobby_support.new_id()
    box = [lobby_support.box_open(session_id, lobby_support.sh(17, 40)),
           lobby_support.box_entry(session_id, lobby_support.sh(17, 45), kind="complaint", text=MARKER,
                                   customer_name=MARKER, contact=MARKER)[1],
           lobby_support.complaint_open("oral", lobby_support.sh(17, 50), summary=MARKER, customer_name=MARKER,
                                        contact=MARKER)[1],
           lobby_support.complaint_open("regulator_letter", lobby_support.sh(17, 55), summary=REGIONAL,
                                        customer_name=REGIONAL, contact=REGIONAL)[1]]
    assert [r["status"] for r in push(lobby, box)] == ["applied"] * 4
    roster = manager.post(f"/api/branches/{demo['branch_id']}/roster", json={
        "post": "security", "starts_at": f"{DAY}T18:00:00+08:00", "ends_at": "2026-11-29T02:00:00+08:00",
        "staff_id": guard.staff["id"], "notes": MARKER})
    assert roster.status_code == 201
    # The contractor registry's notes (R-SEC-8), written over REST by the operations manager.
    contractors = f"/api/branches/{demo['branch_id']}/contractors"
    registered = manager.post(contractors, json={
        "name": "孙师傅 Sun", "employer": "Lift Co", "badge_no": "B-MARKER", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", "scope_note": MARKER, "staff_id": as_role("onsite").staff["id"]})
    assert registered.status_code == 201
    revoked = manager.post(contractors, json={
        "name": "钱师傅 Qian", "employer": "Lift Co", "badge_no": "B-MARKER-2", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31"}).get_json()
    assert manager.post(f"{contractors}/{revoked['id']}/revoke", json={"reason": MARKER}).status_code == 200
    return {
        "branch_id": [demo["branch_id"]],
        "client_id": [str(device_of(rc).client_id) for rc in (lobby, manager, guard)],
        "roster_id": [roster.get_json()["id"]],
        "contractor_id": [registered.get_json()["id"], revoked["id"]],
        "year": ["2026"],
    }


def _get_paths(client) -> dict[str, dict[str, str]]:
    """Every GET of the OpenAPI document, with the query that widens its answer most."""
    doc = client.get("/api/openapi.json").get_json()
    paths = {}
    for path, ops in doc["paths"].items():
        if "get" not in ops:
            continue
        declared = {p["name"]: p.get("schema", {}) for p in ops["get"].get("parameters", []) if p["in"] == "query"}
        query = {k: v for k, v in QUERY.items() if k in declared and v in declared[k].get("enum", [v])}
        paths[path] = query
    return paths


def _urls(path: str, values: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"{(\w+)}", path)
    choices = [values.get(name, [str(uuid.uuid4())]) for name in names]
    urls = []
    for combo in itertools.product(*choices):
        url = path
        for name, value in zip(names, combo):
            url = url.replace("{" + name + "}", value)
        urls.append(url)
    return urls



def test_r_sec_10_no_role_outside_the_customer_data_roles_obtains_a_planted_marker(app, client, as_role, demo):
    """A regional officer is outside the customer-data roles too: it obtains the customer
    of a case escalated to its level (the regulator letter) and nothing else — no box
    entry, no un-escalated case, no incident or roster text (R-SEC-10, R-CMP-7)."""
    values = _plant(as_role, demo)
    with app.app_context():
        seed_demo(DEMO_PASSWORD, app.extensions["clock"].now(), code="DEMO02")
    stranger = login(client, "DEMO02-LM1")  # a customer-data role of another branch
    readers = {role: as_role(role) for role in sorted({r for _, _, r in DEMO_PEOPLE})}
    readers["other_branch_lobby_manager"] = RoleClient(client, stranger["token"], stranger["staff"])
    readers[R.REGIONAL_OFFICER] = regional_officer(app, client)
    paths = _get_paths(client)
    assert len(paths) >= 20  # the document lists the reads
    seen_by: dict[str, set[str]] = {}
    regional_seen_by: dict[str, set[str]] = {}
    for name, reader in readers.items():
        for path, query in paths.items():
            for url in _urls(path, values):
                resp = reader.get(url, query_string=query)
                assert resp.status_code < 500, (name, url, resp.status_code)
                for marker, seen in ((MARKER, seen_by), (REGIONAL, regional_seen_by)):
                    if marker.encode() in resp.data:
                        seen.setdefault(name, set()).add(path)
        held = [str(data) for data in pull(reader).values()]
        for marker, seen in ((MARKER, seen_by), (REGIONAL, regional_seen_by)):
            if any(marker in data for data in held):
                seen.setdefault(name, set()).add("pull")
    leaks = {name: paths for name, paths in seen_by.items() if name not in R.CUSTOMER_DATA_ROLES}
    assert leaks == {}
    regional_leaks = {name: paths for name, paths in regional_seen_by.items()
                      if name not in R.CUSTOMER_DATA_ROLES | {R.REGIONAL_OFFICER}}
    assert regional_leaks == {}
    assert "pull" in regional_seen_by[R.REGIONAL_OFFICER]
    regional = readers[R.REGIONAL_OFFICER].get(f"/api/branches/{demo['branch_id']}/complaints").get_json()
    assert [c["channel"] for c in regional["items"]] == ["regulator_letter"]  # the oral case stays the branch's
    assert REGIONAL in str(regional["items"])
    # Statistics across branches are counts: the escalated case is counted, its customer is not there.
    for fmt in ("json", "csv"):
        stats = readers[R.REGIONAL_OFFICER].get("/api/lobby/stats", query_string={
            "date": lobby_support.EVENING.isoformat(), "format": fmt})
        assert stats.status_code == 200 and "regulator_letter" in stats.get_data(as_text=True), fmt
        assert REGIONAL.encode() not in stats.data and MARKER.encode() not in stats.data, fmt
    # The marker is really there for the customer-data roles that read each record.
    assert {"pull", "/api/branches/{branch_id}/floor-rounds", "/api/branches/{branch_id}/coaching",
            "/api/branches/{branch_id}/incidents", "/api/branches/{branch_id}/roster",
            "/api/branches/{branch_id}/contractors", "/api/branches/{branch_id}/contractors/{contractor_id}",
            "/api/sync/clients/{client_id}/mutations",
            "/api/branches/{branch_id}/rejected-mutations"} <= seen_by[R.OPERATIONS_MANAGER]
    assert "pull" in seen_by[R.LOBBY_MANAGER] and "pull" in seen_by[R.SERVICE_QUALITY_OFFICER]
