"""Complaint cases through the sync engine (R-CMP-2..9): routing, the chain, ownership,
two devices on one case, and the case taken on 31 December 2026."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from server.extensions import db
from sync.store import mutation_table
from tests.conftest import RoleClient, login
from tests.support.pushpull import mutation, push, visible
from tests.server.services.lobby_support import codes, complaint_open, sh

DAY = date(2026, 11, 28)


def at(hh, mm=0):
    return sh(hh, mm, DAY)


@pytest.mark.parametrize(
    ("channel", "extra", "level", "owner_role", "rule"),
    [
        ("oral", {}, "taker", "teller", None),
        ("phone", {}, "service_quality_officer", "service_quality_officer", "R-CMP-6"),
        ("letter", {}, "service_quality_officer", "service_quality_officer", "R-CMP-7"),
        ("regulator_letter", {}, "regional_officer", "regional_officer", "R-CMP-7"),
        ("media", {}, "service_quality_officer", "service_quality_officer", "R-CMP-8"),
        ("internet", {}, "regional_officer", "regional_officer", "R-CMP-8"),
        ("press", {}, "regional_officer", "regional_officer", "R-CMP-8"),
        ("hotline", {"hotline_ticket": "95558-20261128-0042"}, "taker", "teller", None),
    ],
)
def test_every_channel_is_routed_at_intake(as_role, channel, extra, level, owner_role, rule):
    teller = as_role("teller")
    case_id, m = complaint_open(channel, at(10, 5), **extra)
    assert codes(push(teller, [m])) == ["applied"]
    case = visible(teller, "complaint")[case_id]
    assert (case["level"], case["owner_role"]) == (level, owner_role)
    kinds = [e["kind"] for e in case["events"]]
    assert kinds == (["opened", "routed"] if rule else ["opened"])
    if rule:
        assert case["events"][1]["rule"] == rule and case["events"][1]["skipped"] == []
    assert case["report_to_regulator"] is (channel == "regulator_letter")


def test_r_cmp_9_hotline_without_ticket_and_r_cmp_6_phone_deadline(as_role):
    teller = as_role("teller")
    no_ticket, m1 = complaint_open("hotline", at(10, 5))
    phone, m2 = complaint_open("phone", at(10, 6))
    settled, m3 = complaint_open("phone", at(10, 7), settled=True)
    assert codes(push(teller, [m1, m2, m3])) == ["hotline_ticket_required", "applied", "applied"]
    cases = visible(teller, "complaint")
    # Saturday 28 Nov: the next working day is Monday 30 Nov, to 17:00 local.
    assert cases[phone]["clocks"]["manual"]["reply_due_at"] == "2026-11-30T09:00:00Z"
    assert cases[phone]["clocks"]["manual"]["reply_due_calendar"] == "chinese-calendar 1.11.0"
    assert cases[settled]["clocks"]["manual"]["reply_due_at"] is None and cases[settled]["level"] == "taker"
    assert cases[phone]["clocks"]["regulator"]["due_at"] == "2026-12-13T16:00:00Z"
    assert cases[phone]["clocks"]["due_clock"] == "manual"


def test_r_cmp_4_level_by_level_and_a_marked_skip(as_role, demo):
    teller, lobby = as_role("teller"), as_role("lobby_manager")
    case_id, m = complaint_open("oral", at(10, 5))
    skip = mutation("complaint.escalate", {"complaint_id": case_id, "to_role": "service_quality_officer"}, at(10, 8))
    step = mutation("complaint.escalate", {"complaint_id": case_id, "to_role": "lobby_manager",
                                           "to_staff_id": lobby.staff["id"]}, at(10, 8))
    assert codes(push(teller, [m, skip, step])) == ["applied", "level_skipped", "applied"]
    jump = mutation("complaint.escalate", {"complaint_id": case_id, "to_role": "branch_vice_president",
                                           "skip_level": True, "reason": ""}, at(10, 20))
    jump_ok = mutation("complaint.escalate", {"complaint_id": case_id, "to_role": "branch_vice_president",
                                              "skip_level": True, "reason": "客户要求见行长"}, at(10, 21))
    assert codes(push(lobby, [jump, jump_ok])) == ["skip_reason_required", "applied"]
    case = visible(lobby, "complaint")[case_id]
    assert case["level"] == "branch_vice_president" and case["owner_role"] == "branch_president"
    escalations = [e for e in case["events"] if e["kind"] == "escalated"]
    assert [(e["from_level"], e["to_level"], e["skipped"]) for e in escalations] == [
        ("taker", "lobby_manager", []),
        ("lobby_manager", "branch_vice_president", ["service_quality_officer"]),
    ]
    assert escalations[1]["reason"] == "客户要求见行长"
    # The teller no longer owns the case: a resolution is refused, saying why.
    late = mutation("complaint.resolve", {"complaint_id": case_id, "resolution": "x", "customer_response": "y"}, at(10, 30))
    assert codes(push(teller, [late])) == ["case_escalated"]


def test_ownership_moves_only_by_a_recorded_handover(as_role, demo):
    teller = as_role("teller")
    case_id, m = complaint_open("oral", at(10, 5))
    rm_id = next(a["staff_id"] for a in demo["accounts"].values() if a["role"] == "relationship_manager")
    wrong = mutation("complaint.handover", {"complaint_id": case_id, "to_staff_id": rm_id, "reason": "产品问题"}, at(10, 6))
    assert codes(push(teller, [m, wrong])) == ["applied", "unknown_staff"]  # not the owner's role
    rm = as_role("relationship_manager")
    grab = mutation("complaint.resolve", {"complaint_id": case_id, "resolution": "x", "customer_response": "y"}, at(10, 7))
    assert codes(push(rm, [grab])) == ["not_owner"]


def test_two_devices_on_one_case_offline_both_keep_their_work(client, demo):
    """The service quality officer works the case on two phones, both offline: phone A
    escalates it, phone B adds a contact and resolves it. A syncs first; B's contact is
    kept, its stale resolution is refused with ``case_escalated`` and its text survives."""
    sqo = next(no for no, a in demo["accounts"].items() if a["role"] == "service_quality_officer")
    phone_a = RoleClient(client, (body := login(client, sqo))["token"], body["staff"])
    phone_b = RoleClient(client, (body := login(client, sqo))["token"], body["staff"])
    teller = next(no for no, a in demo["accounts"].items() if a["role"] == "teller")
    taker = RoleClient(client, (body := login(client, teller))["token"], body["staff"])
    case_id, m = complaint_open("letter", at(9, 30))
    assert codes(push(taker, [m])) == ["applied"]
    version = visible(phone_a, "complaint")[case_id]["version"]
    visible(phone_b, "complaint")
    a_ops = [
        mutation("complaint.contact", {"complaint_id": case_id, "text": "A: 已致电客户，客户要求面谈"}, at(10, 0)),
        mutation("complaint.escalate", {"complaint_id": case_id, "to_role": "branch_vice_president",
                                        "seen_version": version}, at(10, 5)),
    ]
    b_ops = [
        mutation("complaint.contact", {"complaint_id": case_id, "text": "B: 客户来电，问题已解释"}, at(10, 2)),
        mutation("complaint.resolve", {"complaint_id": case_id, "resolution": "B: 已退还手续费",
                                       "customer_response": "满意", "seen_version": version}, at(10, 6)),
    ]
    assert codes(push(phone_a, a_ops)) == ["applied", "applied"]
    results = push(phone_b, b_ops)
    assert codes(results) == ["applied", "case_escalated"]
    assert results[1]["error"]["errors"]["level"] == ["branch_vice_president"]
    case = visible(phone_b, "complaint")[case_id]
    assert case["status"] == "open" and case["level"] == "branch_vice_president"
    assert {e["text"] for e in case["events"] if e["kind"] == "contact"} == {
        "A: 已致电客户，客户要求面谈", "B: 客户来电，问题已解释"}
    # The device's text is kept in the rejected mutation (sync-protocol: nothing thrown away).
    with client.application.app_context():
        rows = db.session.execute(mutation_table.select().where(mutation_table.c.name == "complaint.resolve")).mappings().all()
    assert [r["status"] for r in rows] == ["rejected"] and "B: 已退还手续费" in rows[0]["raw"]


def test_a_phone_complaint_on_31_december_2026_waits_for_the_2027_calendar(as_role, clock, runner, tmp_path):
    teller = as_role("teller")
    new_year_eve = datetime(2026, 12, 31, 7, 0, tzinfo=timezone.utc)  # 15:00 local
    clock.set(new_year_eve)
    case_id, m = complaint_open("phone", new_year_eve)
    assert codes(push(teller, [m])) == ["applied"]
    case = visible(teller, "complaint")[case_id]
    assert case["clocks"]["manual"]["reply_due_at"] is None
    assert case["clocks"]["deadline_unknown"] == "deadline unknown: the 2027 calendar is not loaded"
    assert case["clocks"]["manual"]["reply_due_calendar"] == "deadline unknown: the 2027 calendar is not loaded"
    assert case["clocks"]["deadline_unknown_year"] == 2027  # a field, not parsed from the message (#15)
    # The REST response is dumped through its schema, which lists the field too.
    rest = teller.get(f"/api/branches/{teller.staff['branch_id']}/complaints/{case_id}")
    assert rest.status_code == 200, rest.get_json()
    assert rest.get_json()["clocks"]["deadline_unknown_year"] == 2027
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text("date,kind,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "load", "--year", "2027", "--file", str(csv_file), "--complete"])
    assert result.exit_code == 0, result.output
    case = visible(teller, "complaint")[case_id]
    assert case["clocks"]["deadline_unknown"] is None and case["clocks"]["deadline_unknown_year"] is None
    assert case["clocks"]["manual"]["reply_due_at"] == "2027-01-04T09:00:00Z"  # Monday 4 January, 17:00
    assert case["clocks"]["manual"]["reply_due_calendar"].startswith("loaded:2027@")


def test_promise_extension_appraisal_and_the_report_to_the_regulator(as_role, demo, clock):
    sqo = as_role("service_quality_officer")
    bp_id = next(a["staff_id"] for a in demo["accounts"].values() if a["role"] == "branch_president")
    teller_id = next(a["staff_id"] for a in demo["accounts"].values() if a["role"] == "teller")
    case_id, m = complaint_open("letter", at(9, 0))
    def op(name, args, when):
        return mutation(name, {"complaint_id": case_id, **args}, when)
    results = push(sqo, [
        m,
        op("complaint.promise", {"reply_due_at": "2026-11-30T18:00:00+08:00"}, at(9, 10)),
        op("complaint.extend", {"approved_by": bp_id, "customer_told": False, "reason": "需调取监控"}, at(9, 20)),
        op("complaint.extend", {"approved_by": teller_id, "customer_told": True, "reason": "需调取监控"}, at(9, 21)),
        op("complaint.extend", {"approved_by": bp_id, "customer_told": True, "complex": True, "reason": "需调取监控"}, at(9, 22)),
        op("complaint.appraisal", {"state": "end"}, at(9, 30)),
        op("complaint.appraisal", {"state": "start", "reason": "笔迹鉴定"}, sh(10, 0, date(2026, 11, 29))),
        op("complaint.appraisal", {"state": "end"}, sh(10, 0, date(2026, 12, 1))),
        op("complaint.report", {"text": "已向监管部门书面报告处理结果"}, at(11, 0)),
    ])
    assert codes(results) == ["applied", "applied", "customer_not_told", "unknown_staff", "applied", "appraisal_state",
                              "applied", "applied", "applied"]
    case = visible(sqo, "complaint")[case_id]
    manual, regulator = case["clocks"]["manual"], case["clocks"]["regulator"]
    assert manual["promised_reply_at"] == "2026-11-30T10:00:00Z" and case["clocks"]["due_clock"] == "manual"
    # Complex (30) plus the extension (30) after 28 Nov, to 24:00, plus two days in appraisal.
    assert regulator["complex"] and regulator["extended"] and regulator["paused_seconds"] == 2 * 86400
    assert regulator["due_at"] == "2027-01-29T16:00:00Z"
    assert case["regulator_reported_at"] == "2026-11-28T03:00:00Z"
    assert [e["kind"] for e in case["events"]][-1] == "reported"
