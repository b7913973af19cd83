"""``flask branch|staff|seed-demo`` (issue #2; seed-demo as sync-protocol "Demo data")."""
from __future__ import annotations

import json

from tests.conftest import login


def test_branch_create_prints_json_and_refuses_a_duplicate(runner):
    ok = runner.invoke(args=["branch", "create", "--code", "SH001", "--name", "上海分行营业部"])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.output)
    assert body["code"] == "SH001" and body["timezone"] == "Asia/Shanghai"
    dup = runner.invoke(args=["branch", "create", "--code", "SH001", "--name", "x"])
    assert dup.exit_code == 1 and json.loads(dup.stderr)["error"] == "branch_exists"


def test_branch_create_refuses_an_unknown_zone(runner):
    bad = runner.invoke(args=["branch", "create", "--code", "X1", "--name", "x", "--timezone", "Mars/Olympus"])
    assert bad.exit_code == 1 and json.loads(bad.stderr)["error"] == "validation_failed"


def test_staff_create_and_set_password_then_login(runner, client):
    runner.invoke(args=["branch", "create", "--code", "SH002", "--name", "b"])
    made = runner.invoke(
        args=["staff", "create", "--employee-no", "E100", "--name", "王", "--role", "guard", "--branch", "SH002"],
        env={"FIELDOPS_NEW_PASSWORD": "first-pass"},
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["role"] == "guard"
    assert login(client, "E100", "first-pass")["staff"]["role"] == "guard"
    changed = runner.invoke(args=["staff", "set-password", "--employee-no", "E100"], env={"FIELDOPS_NEW_PASSWORD": "second-pass"})
    assert changed.exit_code == 0
    assert client.post("/api/auth/login", json={"employee_no": "E100", "password": "first-pass"}).status_code == 401
    assert login(client, "E100", "second-pass")


def test_staff_create_refuses_unknown_role_and_duplicate_number(runner):
    bad = runner.invoke(args=["staff", "create", "--employee-no", "E1", "--name", "n", "--role", "janitor"], env={"FIELDOPS_NEW_PASSWORD": "p"})
    assert bad.exit_code == 1 and json.loads(bad.stderr)["error"] == "validation_failed"
    runner.invoke(args=["staff", "create", "--employee-no", "E2", "--name", "n", "--role", "admin"], env={"FIELDOPS_NEW_PASSWORD": "p"})
    dup = runner.invoke(args=["staff", "create", "--employee-no", "E2", "--name", "n", "--role", "admin"], env={"FIELDOPS_NEW_PASSWORD": "p"})
    assert dup.exit_code == 1 and json.loads(dup.stderr)["error"] == "staff_exists"


REQUIRED_ROLES = {"guard", "cleaner", "onsite", "teller", "lobby_manager", "service_quality_officer", "operations_manager", "admin"}


def test_seed_demo_prints_the_contract_json_and_is_idempotent(runner, client):
    first = runner.invoke(args=["seed-demo", "--password", "pw-1", "--json"])
    assert first.exit_code == 0, first.output
    a = json.loads(first.output)
    assert a["branch_code"] == "DEMO01" and a["timezone"] == "Asia/Shanghai"
    roles = [acc["role"] for acc in a["accounts"].values()]
    assert REQUIRED_ROLES <= set(roles) and roles.count("guard") >= 2
    assert "self_service" in a["checkpoints"] or a["checkpoints"] == {}
    second = json.loads(runner.invoke(args=["seed-demo", "--password", "pw-2", "--json"]).output)
    assert second["branch_id"] == a["branch_id"] and second["accounts"] == a["accounts"]
    assert client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": "pw-1"}).status_code == 401
    assert login(client, "DEMO01-G1", "pw-2")


def test_seed_demo_other_code_makes_a_second_branch_with_unique_numbers(runner):
    a = json.loads(runner.invoke(args=["seed-demo", "--password", "p", "--json"]).output)
    b = json.loads(runner.invoke(args=["seed-demo", "--password", "p", "--json", "--branch", "DEMO02"]).output)
    assert a["branch_id"] != b["branch_id"]
    assert not set(a["accounts"]) & set(b["accounts"])


def test_demo_goes_live_the_day_before_it_was_seeded(app, runner):
    from server.extensions import db
    from server.models.org import Branch

    runner.invoke(args=["seed-demo", "--password", "p", "--json"])
    with app.app_context():
        branch = db.session.query(Branch).one()
        # the test clock is 2026-11-28 10:00 in Shanghai
        assert branch.go_live_date.isoformat() == "2026-11-27"


def test_seeded_staff_and_branch_reach_a_devices_first_pull(as_role, demo):
    import uuid

    admin = as_role("admin")  # the whole branch's staff, login names included (#12)
    body = admin.post("/api/sync/pull", json={"client_id": str(uuid.uuid4()), "protocol": 1, "cursor": None}).get_json()
    assert body["reset"] is True
    by_entity: dict[str, set[str]] = {}
    for change in body["changes"]:
        by_entity.setdefault(change["entity"], set()).add(change["id"])
    assert by_entity["branch"] == {demo["branch_id"]}
    assert by_entity["staff"] == {acc["staff_id"] for acc in demo["accounts"].values()}
    staff = next(c["data"] for c in body["changes"] if c["entity"] == "staff")
    assert "password_hash" not in staff
