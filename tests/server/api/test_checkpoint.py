"""Checkpoints with secret codes, rotation, the demo's checkpoint and printable labels (R-SEC-5)."""
from __future__ import annotations

import base64
import io
import json
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from server.rules import patrol as PR

SVG = "{http://www.w3.org/2000/svg}"


def decode_labels(svg_text: str) -> list[str]:
    """Decode every QR code embedded in a label sheet (PNG data URIs inside the SVG)."""
    root = ET.fromstring(svg_text.encode("utf-8"))
    found = []
    for image in root.iter(f"{SVG}image"):
        href = image.get("href")
        assert href and href.startswith("data:image/png;base64,")
        img = Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1])))
        results = zxingcpp.read_barcodes(img)
        assert len(results) == 1
        found.append(results[0].text)
    return found


def test_r_sec_5_demo_seeds_a_self_service_checkpoint_idempotently(app, demo):
    from server.services.demo import seed_demo

    code = demo["checkpoints"]["self_service"]
    assert len(code) >= 20
    with app.app_context():
        again = seed_demo("other-pass", app.extensions["clock"].now())
    assert again["checkpoints"]["self_service"] == code


@pytest.mark.parametrize("role", ["admin", "operations_manager"])
def test_r_sec_5_checkpoint_admins_create_and_list(as_role, demo, role):
    actor = as_role(role)
    url = f"/api/branches/{demo['branch_id']}/checkpoints"
    resp = actor.post(url, json={"area": "lobby", "name_zh": "大厅东门", "name_en": "Lobby east door"})
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()
    assert made["area"] == "lobby" and made["code"]
    listed = actor.get(url).get_json()["checkpoints"]
    assert {c["name_en"] for c in listed} == {"Self-service area", "Lobby east door"}
    assert resp.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("role", ["guard", "cleaner", "lobby_manager", "teller", "branch_president"])
def test_r_sec_5_other_roles_cannot_manage_checkpoints(as_role, demo, role):
    actor = as_role(role)
    url = f"/api/branches/{demo['branch_id']}/checkpoints"
    resp = actor.post(url, json={"area": "lobby", "name_zh": "x", "name_en": "x"})
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"
    assert actor.get(url).status_code == 403
    assert actor.get(f"/api/branches/{demo['branch_id']}/checkpoint-labels.svg").status_code == 403


def test_checkpoint_input_is_validated(as_role, demo):
    admin = as_role("admin")
    url = f"/api/branches/{demo['branch_id']}/checkpoints"
    resp = admin.post(url, json={"area": "moon", "name_zh": "", "name_en": "x"})
    assert resp.status_code == 422
    assert set(resp.get_json()["errors"]) == {"area", "name_zh"}
    dup = {"area": "self_service", "name_zh": "自助服务区", "name_en": "Self-service area"}
    assert admin.post(url, json=dup).get_json()["code"] == "checkpoint_exists"


def test_checkpoint_routes_need_a_token(client, demo):
    assert client.get(f"/api/branches/{demo['branch_id']}/checkpoints").status_code == 401
    assert client.get(f"/api/branches/{demo['branch_id']}/checkpoint-labels.svg").status_code == 401


def test_r_sec_5_rotation_issues_a_new_code(as_role, demo):
    admin = as_role("admin")
    [cp] = admin.get(f"/api/branches/{demo['branch_id']}/checkpoints").get_json()["checkpoints"]
    old = cp["code"]
    assert old == demo["checkpoints"]["self_service"]
    resp = admin.post(f"/api/checkpoints/{cp['id']}/rotate")
    assert resp.status_code == 200
    new = resp.get_json()["code"]
    assert new != old
    [cp] = admin.get(f"/api/branches/{demo['branch_id']}/checkpoints").get_json()["checkpoints"]
    assert cp["code"] == new
    assert as_role("guard").post(f"/api/checkpoints/{cp['id']}/rotate").status_code == 403


def test_r_sec_5_label_sheet_qr_decodes_to_the_current_code(as_role, demo):
    """The printed label carries the checkpoint's current code (decoded with zxing-cpp)."""
    admin = as_role("admin")
    url = f"/api/branches/{demo['branch_id']}/checkpoint-labels.svg"
    resp = admin.get(url)
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    text = resp.get_data(as_text=True)
    assert "自助服务区" in text and "Self-service area" in text
    [payload] = decode_labels(text)
    assert PR.parse_label_payload(payload) == ("DEMO01", demo["checkpoints"]["self_service"])
    # after rotation the sheet carries the new code
    [cp] = admin.get(f"/api/branches/{demo['branch_id']}/checkpoints").get_json()["checkpoints"]
    new = admin.post(f"/api/checkpoints/{cp['id']}/rotate").get_json()["code"]
    [payload] = decode_labels(admin.get(url).get_data(as_text=True))
    assert PR.parse_label_payload(payload)[1] == new


def test_r_sec_5_label_sheet_pages_hold_four_labels(as_role, demo):
    admin = as_role("admin")
    url = f"/api/branches/{demo['branch_id']}/checkpoints"
    for i in range(4):
        admin.post(url, json={"area": "lobby", "name_zh": f"大厅{i}", "name_en": f"Lobby {i}"})
    text = admin.get(f"/api/branches/{demo['branch_id']}/checkpoint-labels.svg").get_data(as_text=True)
    root = ET.fromstring(text.encode())
    assert root.get("height") == "594mm"  # two A4 pages
    assert len(decode_labels(text)) == 5


def test_r_sec_5_cli_prints_labels_and_rotates(app, demo, runner, tmp_path):
    out = tmp_path / "labels.svg"
    result = runner.invoke(args=["checkpoint", "labels", "--branch", "DEMO01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [payload] = decode_labels(out.read_text(encoding="utf-8"))
    assert PR.parse_label_payload(payload)[1] == demo["checkpoints"]["self_service"]

    result = runner.invoke(args=["checkpoint", "rotate", "--branch", "DEMO01", "--area", "self_service"])
    assert result.exit_code == 0, result.output
    new = json.loads(result.output.strip().splitlines()[-1])["code"]
    assert new != demo["checkpoints"]["self_service"]
    runner.invoke(args=["checkpoint", "labels", "--branch", "DEMO01", "--out", str(out)])
    [payload] = decode_labels(out.read_text(encoding="utf-8"))
    assert PR.parse_label_payload(payload)[1] == new


def test_cli_reports_unknown_branch(app, runner, tmp_path):
    result = runner.invoke(args=["checkpoint", "labels", "--branch", "NOPE", "--out", str(tmp_path / "x.svg")])
    assert result.exit_code == 1


def test_r_sec_5_rotation_is_published_without_the_code(as_role, demo):
    """Devices pull the checkpoint (never its code) before and after a rotation."""
    guard, admin = as_role("guard"), as_role("admin")
    body = {"client_id": "9b2f1b5e-7d1c-4d3a-8f43-3f7a5a6c1e01", "protocol": 1, "cursor": None, "limit": 500}
    first = guard.post("/api/sync/pull", json=body).get_json()
    [cp] = [c for c in first["changes"] if c["entity"] == "checkpoint"]
    assert "code" not in cp["data"] and demo["checkpoints"]["self_service"] not in str(first)
    new = admin.post(f"/api/checkpoints/{cp['id']}/rotate").get_json()["code"]
    later = guard.post("/api/sync/pull", json={**body, "cursor": first["cursor"]}).get_json()
    [again] = [c for c in later["changes"] if c["entity"] == "checkpoint"]
    assert again["id"] == cp["id"] and new not in str(later)


def test_r_sec_5_cli_creates_lists_and_rotates_by_id(app, demo, runner):
    result = runner.invoke(args=["checkpoint", "create", "--branch", "DEMO01", "--area", "entrance",
                                 "--name-zh", "正门", "--name-en", "Main entrance"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    listed = [json.loads(line) for line in runner.invoke(args=["checkpoint", "list", "--branch", "DEMO01"]).output.splitlines()]
    assert {c["name_en"] for c in listed} == {"Self-service area", "Main entrance"}
    rotated = runner.invoke(args=["checkpoint", "rotate", "--id", made["id"]])
    assert rotated.exit_code == 0 and json.loads(rotated.output)["code"] != made["code"]
    assert runner.invoke(args=["checkpoint", "rotate"]).exit_code == 2  # needs --id or --branch
    bad = runner.invoke(args=["checkpoint", "create", "--branch", "DEMO01", "--area", "moon",
                              "--name-zh", "月", "--name-en", "Moon"])
    assert bad.exit_code == 1
