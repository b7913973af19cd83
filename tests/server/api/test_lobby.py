"""The lobby's evening from offline batches, read back through REST and every export
(R-BOX-1..4, R-CMP-4/6, R-CMP-10), and who may read what (R-SEC-10)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from server.services.demo import seed_demo
from tests.conftest import DEMO_PASSWORD, RoleClient, login
from tests.support.factories import regional_officer
from tests.support.pushpull import mutation, push
from tests.server.services.lobby_support import (
    EVENING, box_callback, box_close, box_entry, box_open, box_reply, codes, complaint_open, new_id, sh,
)


@pytest.fixture
def evening(as_role, clock):
    """12 slips and 3 book entries, replies, callbacks (one no_answer retried and reached),
    two complaints (one from a slip, one by phone), one escalated skipping a level, the
    box closed — pushed by the lobby manager's phone in three offline batches, next morning."""
    lobby = as_role("lobby_manager")
    box = new_id()
    kinds = ["suggestion"] * 6 + ["praise"] * 5 + ["complaint"] + ["suggestion", "praise", "suggestion"]
    batch1, entries = [box_open(box, sh(17, 30))], []
    for i, kind in enumerate(kinds):
        contact = "1380000%04d" % i if i in (0, 3, 11) else None
        entry_id, m = box_entry(box, sh(17, 32 + i), kind=kind, source="box" if i < 12 else "book",
                                text=f"第{i + 1}条意见", contact=contact, customer_name="客户%d" % i if contact else None)
        entries.append(entry_id)
        batch1.append(m)
    batch2 = [box_reply(e, sh(18, 0)) for e in entries]
    batch2 += [box_callback(entries[0], "no_answer", sh(18, 10)), box_callback(entries[0], "reached", sh(18, 40)),
               box_callback(entries[3], "reached", sh(18, 12)), box_callback(entries[11], "reached", sh(18, 15))]
    phone_case, m_phone = complaint_open("phone", sh(16, 20))
    batch3 = [m_phone, mutation("complaint.escalate", {
        "complaint_id": phone_case, "to_role": "branch_president", "skip_level": True,
        "reason": "涉及多次扣款，客户要求分管行长处理"}, sh(18, 50)), box_close(box, sh(19, 0), 12)]
    assert codes(push(lobby, batch1)) == ["applied"] * 16
    assert codes(push(lobby, batch2)) == ["applied"] * 19
    sqo = as_role("service_quality_officer")  # the phone case went at once to the SQO (R-CMP-6)
    assert codes(push(lobby, [batch3[0], batch3[2]])) == ["applied", "applied"]
    assert codes(push(sqo, [batch3[1]])) == ["applied"]
    return {"lobby": lobby, "sqo": sqo, "box": box, "entries": entries, "phone_case": phone_case}


def test_the_evening_reads_back_and_exports_in_three_formats(evening, demo):
    lobby, branch = evening["lobby"], demo["branch_id"]
    [session] = lobby.get(f"/api/branches/{branch}/box-sessions?date={EVENING}").get_json()["items"]
    assert session["status"] == "closed" and session["slip_count"] == 12 and len(session["entries"]) == 15
    first = next(e for e in session["entries"] if e["id"] == evening["entries"][0])
    assert [c["outcome"] for c in first["callbacks"]] == ["no_answer", "reached"]
    cases = lobby.get(f"/api/branches/{branch}/complaints?date={EVENING}").get_json()
    assert cases["total"] == 2 and {c["channel"] for c in cases["items"]} == {"suggestion_box", "phone"}
    expected = {
        ("summary", "complaints"): 2, ("summary", "box_entries"): 15, ("summary", "slips"): 12,
        ("summary", "box_entries_replied"): 15, ("summary", "box_callbacks"): 4, ("summary", "complaints_escalated"): 1,
        ("complaints_by_channel", "phone"): 1, ("complaints_by_channel", "suggestion_box"): 1,
        ("complaints_by_level", "branch_president"): 1, ("complaints_by_level", "lobby_manager"): 1,
        ("box_entries_by_kind", "suggestion"): 8, ("box_entries_by_kind", "praise"): 6,
        ("box_entries_by_kind", "complaint"): 1, ("box_entries_by_source", "box"): 12,
        ("box_entries_by_source", "book"): 3, ("box_callbacks_by_outcome", "reached"): 3,
        ("box_callbacks_by_outcome", "no_answer"): 1, ("complaints_by_jrt_channel", "0302"): 1,
    }
    url = f"/api/branches/{branch}/lobby/stats?date={EVENING}"
    as_json = lobby.get(url).get_json()
    for (view, key), n in expected.items():
        assert as_json["total"][view][key] == n, (view, key)
    resp = lobby.get(url + "&format=csv")
    assert resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    from_csv = {(r["view"], r["key"]): int(r["count"]) for r in rows if r["branch"] == "ALL"}
    assert {k: from_csv[k] for k in expected} == expected
    resp = lobby.get(url + "&format=xlsx")
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames[0] == "summary" and "complaints_by_jrt_cause" in book.sheetnames
    from_xlsx = {(sheet.title, r[2]): r[4] for sheet in book for r in sheet.iter_rows(min_row=2, values_only=True)
                 if r[1] == "ALL"}
    assert {k: from_xlsx[k] for k in expected} == expected


def test_the_skipped_level_is_marked_with_its_reason(evening, demo):
    case = evening["lobby"].get(f"/api/branches/{demo['branch_id']}/complaints/{evening['phone_case']}").get_json()
    [skip] = [e for e in case["events"] if e["kind"] == "escalated"]
    assert (skip["from_level"], skip["to_level"], skip["skipped"]) == (
        "service_quality_officer", "branch_president", ["branch_vice_president"])
    assert skip["reason"] == "涉及多次扣款，客户要求分管行长处理" and case["level"] == "branch_president"


def test_the_printable_intake_form(evening, demo):
    resp = evening["lobby"].get(f"/api/branches/{demo['branch_id']}/complaints/{evening['phone_case']}/form")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert "客户投诉受理和处理报告表" in page and "@page { size: A4" in page and "电话投诉" in page
    assert "http://" not in page and "https://" not in page  # nothing from a CDN
    assert "涉及多次扣款，客户要求分管行长处理" in page


@pytest.mark.parametrize("role", ["guard", "cleaner", "onsite", "admin"])
def test_r_sec_10_no_field_role_reads_or_exports_the_lobby(evening, demo, as_role, role):
    rc, branch = as_role(role), demo["branch_id"]
    for url in (f"/api/branches/{branch}/box-sessions", f"/api/branches/{branch}/complaints",
                f"/api/branches/{branch}/complaints/{evening['phone_case']}/form",
                f"/api/branches/{branch}/lobby/stats?date={EVENING}&format=csv"):
        resp = rc.get(url)
        assert resp.status_code == 403, (url, resp.get_json())
        assert "客户" not in resp.get_data(as_text=True)


def test_r_sec_10_another_branch_gets_404(evening, demo, app, client):
    with app.app_context():
        other = seed_demo(DEMO_PASSWORD, app.extensions["clock"].now(), code="DEMO02")
    no = next(n for n, a in other["accounts"].items() if a["role"] == "lobby_manager")
    body = login(client, no)
    rc, branch = RoleClient(client, body["token"], body["staff"]), demo["branch_id"]
    for url in (f"/api/branches/{branch}/box-sessions", f"/api/branches/{branch}/complaints",
                f"/api/branches/{branch}/complaints/{evening['phone_case']}",
                f"/api/branches/{branch}/lobby/stats?date={EVENING}"):
        assert rc.get(url).status_code == 404, url
    own = rc.get(f"/api/lobby/stats?date={EVENING}").get_json()
    assert [b["code"] for b in own["branches"]] == ["DEMO02"] and own["total"]["summary"]["complaints"] == 0


def test_flask_lobby_stats_writes_the_workbook(evening, runner, tmp_path):
    out = tmp_path / "stats.xlsx"
    result = runner.invoke(args=["lobby", "stats", "--branch", "DEMO01", "--date", str(EVENING), "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    summary = {r[2]: r[4] for r in book["summary"].iter_rows(min_row=2, values_only=True) if r[1] == "DEMO01"}
    assert summary["box_entries"] == 15 and summary["complaints"] == 2
    as_json = runner.invoke(args=["lobby", "stats", "--branch", "DEMO01", "--date", str(EVENING)])
    assert json.loads(as_json.output)["total"]["summary"]["slips"] == 12
    missing = runner.invoke(args=["lobby", "stats", "--branch", "NOPE", "--date", str(EVENING)])
    assert missing.exit_code != 0


def test_an_administrator_corrects_the_jrt_table(as_role):
    admin, teller = as_role("admin"), as_role("teller")
    resp = admin.put("/api/complaint-codes/business/07", json={"zh": "外汇", "en": "foreign exchange"})
    # The answer is the whole table as corrected (one declared shape, #11).
    assert resp.status_code == 200 and resp.get_json()["business"]["07"]["zh"] == "外汇"
    assert teller.put("/api/complaint-codes/business/08", json={"zh": "x", "en": "x"}).status_code == 403
    admin.put("/api/complaint-codes/cause/04", json={"zh": "营销方式", "en": "marketing", "active": False})
    case_id, m = complaint_open("oral", sh(10, 0, EVENING.replace(day=28)), jrt_business="07", jrt_cause="04")
    assert codes(push(teller, [m])) == ["unknown_code"]
    _, m = complaint_open("oral", sh(10, 1, EVENING.replace(day=28)), jrt_business="07", jrt_cause="01")
    assert codes(push(teller, [m])) == ["applied"]


def test_seed_demo_shows_a_lobby_with_data_and_seeds_it_once(app, demo, as_role):
    from server.services.demo import seed_demo

    lobby = as_role("lobby_manager")
    day = demo["lobby"]["business_date"]
    [session] = lobby.get(f"/api/branches/{demo['branch_id']}/box-sessions?date={day}").get_json()["items"]
    assert session["status"] == "closed" and len(session["entries"]) == 4
    assert sum(len(e["callbacks"]) for e in session["entries"]) == 3
    open_cases = lobby.get(f"/api/branches/{demo['branch_id']}/complaints?status=open").get_json()
    assert open_cases["total"] == 4 and {c["channel"] for c in open_cases["items"]} == {
        "phone", "oral", "hotline", "suggestion_box"}
    with app.app_context():
        again = seed_demo(DEMO_PASSWORD, app.extensions["clock"].now())
    assert again["lobby"] == demo["lobby"]
    assert lobby.get(f"/api/branches/{demo['branch_id']}/complaints").get_json()["total"] == 4


def test_a_regional_officer_reads_statistics_across_branches(evening, app, client):
    with app.app_context():
        seed_demo(DEMO_PASSWORD, app.extensions["clock"].now(), code="DEMO02")
    ro = regional_officer(app, client)
    stats = ro.get(f"/api/lobby/stats?date={EVENING}").get_json()
    assert [b["code"] for b in stats["branches"]] == ["DEMO01", "DEMO02"]
    assert stats["total"]["summary"]["box_entries"] == 15 and stats["total"]["summary"]["complaints"] == 2
    demo_day = ro.get("/api/lobby/stats?date=2026-11-27").get_json()  # both demo evenings
    assert demo_day["total"]["summary"]["box_entries"] == 8
