"""The office roles' main screens in Chromium, on real server data (#15): the regional
officer (every branch's compliance for a day, the cases escalated to the parent branch
and those near their deadline), the administrator (alerts routed to them, the calendar's
years, the branch's phones and sessions, revoking one), and the service quality officer's
today at a glance (box, rejected records, a phone on shift gone quiet). Each screen: axe
finds no WCAG 2.1 A/AA violation in Chinese and English, every target is ≥ 48 px, and a
360×640 zh-CN screenshot goes to ``instance/screenshots/``."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from browser_support import (CONTEXT_OPTIONS, PASSWORD, add_staff, evaluate_compliance, go_offline, local_today, push,
                             sign_in, silence, wait_synced)
from test_browser_screens import axe_violations, check_both_languages, shoot

REGIONAL = "REGION-RO1"
#: The phone of a regional officer of the parent branch, in the branch's zone (Shanghai).
PHONE = {**CONTEXT_OPTIONS, "timezone_id": "Asia/Shanghai"}


def small_targets(page) -> list:
    """Visible controls of the screen less than 48 px high (none allowed)."""
    return page.evaluate("""() => [...document.querySelectorAll('main button, main a, main input, main select, main textarea, main summary')]
        .filter((e) => e.offsetParent !== null).map((e) => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
        .filter(([, height]) => height < 48)""")


def regulator_letter(**extra) -> tuple[str, dict]:
    """A regulator's letter: routed at intake to the parent branch (R-CMP-7, level regional_officer)."""
    return ("complaint.open", {"complaint_id": str(uuid.uuid4()), "channel": "regulator_letter",
                               "summary": "监管转来：理财产品赎回到账延迟。", "customer_name": "吴先生", **extra})


def test_regional_officer_sees_every_branch_and_the_escalated_cases(live, launch):
    add_staff(live, REGIONAL, "分行消保部 陈处", "regional_officer")
    soon = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()
    _, results = push(live, "lobby_manager", regulator_letter(promised_reply_at=soon), regulator_letter(),
                      ("complaint.open", {"complaint_id": str(uuid.uuid4()), "channel": "oral", "summary": "排队太久"}))
    assert [r["status"] for r in results] == ["applied"] * 3, results
    evaluate_compliance(live)

    page = launch().browser.new_context(**PHONE).new_page()
    sign_in(page, live, "regional_officer")
    page.wait_for_selector(".regional .branches li.branch")
    answer = live.rest("regional_officer").get(f"/api/compliance?date={local_today(live)}")
    demo = next(b for b in answer["branches"] if b["branch_id"] == live.demo["branch_id"])
    row = page.locator(f'.regional li[data-branch="{demo["branch_id"]}"]')
    missed = sum(s.get("missed", 0) for s in demo["rules"].values())
    assert demo["name"] in row.inner_text() and (not missed or f"未完成 {missed}" in row.inner_text()), row.inner_text()
    stats = live.rest("regional_officer").get(f"/api/lobby/stats?date={local_today(live)}")
    lobby = next(b for b in stats["branches"] if b["branch_id"] == demo["branch_id"])["views"]["summary"]
    assert f"当日投诉 {lobby['complaints']} 件 · 上报 {lobby['complaints_escalated']} 件" in row.inner_text()
    # The escalated cases only (R-SEC-10): the two letters, not the oral complaint.
    assert page.locator(".cases li").count() == 2
    assert "升级到分行的投诉 2 件" in page.locator(".cases h2").inner_text()
    assert "排队太久" not in page.locator("main").inner_text()
    alerts = page.locator("#alerts li")
    assert alerts.count() == 1 and "即将到期" in alerts.inner_text() and demo["name"] in alerts.inner_text()
    assert page.get_by_role("link", name="登记投诉").count() == 0, "a regional officer takes no complaint at a counter"
    assert small_targets(page) == []
    shoot(page, "regional-officer", full=True)
    row.get_by_text("按规则查看").click()
    assert "每小时巡视自助服务区" in row.inner_text()
    problems: dict = {}
    check_both_languages(page, "regional_officer", problems)
    # A day of the past: the picker asks the server for that day.
    yesterday = (datetime.fromisoformat(local_today(live)) - timedelta(days=1)).date().isoformat()
    page.fill("input[name=day]", yesterday)
    page.wait_for_function("(d) => document.querySelector('input[name=day]').value === d", arg=yesterday)
    page.wait_for_selector(".regional .branches li.branch")
    alerts.first.locator("a").click()
    page.wait_for_selector(".clocks")
    assert "监管转来" in page.locator("main").inner_text()
    # No signal: the app opens from the phone and shows the last answer, saying when it was read.
    go_offline(page.context, live)
    page.goto(live.url + "/")
    page.wait_for_selector(".regional .branches li.branch")
    assert "无网络，显示" in page.locator(".regional").inner_text() and page.locator(".cases li").count() == 2
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, ensure_ascii=False, indent=1)


def test_administrator_sees_calendar_alerts_phones_and_revokes_a_session(live, launch):
    guard_client, results = push(live, "guard", ("shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"}))
    assert results[0]["status"] == "applied"
    evaluate_compliance(live)  # December: next year's calendar is missing (calendar_unknown, to administrators)
    next_year = int(local_today(live)[:4]) + 1

    page = launch().new_page()
    sign_in(page, live, "admin")
    page.wait_for_selector(".calendar li")
    alert = page.locator("#alerts li", has_text=f"{next_year} 年工作日日历")
    assert alert.count() == 1 and "工作日日历未加载" in alert.inner_text()
    year = page.locator(f'.calendar li[data-year="{next_year}"]')
    assert "未加载" in year.inner_text() and "flask calendar load" in year.inner_text()
    assert "已加载" in page.locator(f'.calendar li[data-year="{next_year - 1}"]').inner_text()
    guard_name = live.rest("admin").get(f"/api/branches/{live.demo['branch_id']}/today")["devices"]
    assert any(d["client_id"] == guard_client for d in guard_name)
    phone = page.locator(f'.devices li[data-client="{guard_client}"]')
    assert "王强" in phone.inner_text() and "最近同步" in phone.inner_text()
    assert page.locator(".sessions li", has_text="本机").count() == 1
    assert small_targets(page) == []
    shoot(page, "admin", full=True)
    problems: dict = {}
    check_both_languages(page, "admin", problems)
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, ensure_ascii=False, indent=1)

    guard_id = live.demo["accounts"][live.account("guard")]["staff_id"]
    session = next(s for s in live.rest("admin").get("/api/sessions")["sessions"] if s["staff_id"] == guard_id)
    page.once("dialog", lambda d: d.accept())
    page.locator(f'.sessions li[data-session="{session["id"]}"]').get_by_role("button", name="停用").click()
    page.wait_for_selector(f'.sessions li[data-session="{session["id"]}"]', state="detached")
    revoked = {s["id"]: s for s in live.rest("admin").get("/api/sessions?include_revoked=true")["sessions"]}
    assert revoked[session["id"]]["revoked_at"]


def test_administrator_without_a_branch_gets_every_branchs_compliance(live, launch):
    add_staff(live, "HQ-AD1", "总行系统管理员", "admin")  # the demo's own administrator comes first
    evaluate_compliance(live)
    page = launch().new_page()
    page.goto(live.url + "/")
    page.fill("input[name=employee_no]", "HQ-AD1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector(".regional .branches li.branch")
    assert page.locator(f'.regional li[data-branch="{live.demo["branch_id"]}"]').count() == 1
    assert page.locator(".calendar li").count() >= 2 and page.locator(".devices").count() == 0
    assert small_targets(page) == []


def test_service_quality_officer_today_at_a_glance(live, launch):
    guard_client, results = push(
        live, "guard",
        ("patrol.record", {"patrol_id": str(uuid.uuid4()), "checkpoint_code": "NO-SUCH-CODE", "checks": {"atm": "ok"}}),
        ("shift.start", {"shift_id": str(uuid.uuid4()), "post": "security"}))
    assert [r["status"] for r in results] == ["rejected", "applied"], results
    silence(live, guard_client, minutes=40)  # on shift, and its phone quiet for 40 minutes
    evaluate_compliance(live)

    page = launch().new_page()
    sign_in(page, live, "service_quality_officer")
    page.wait_for_selector(".devices li")
    wait_synced(page)
    quiet = page.locator(f'.devices li[data-client="{guard_client}"]')
    assert "quiet" in quiet.get_attribute("class") and "值班中·已失联" in quiet.inner_text()
    box = live.rest("service_quality_officer").get(f"/api/branches/{live.demo['branch_id']}/today")["box"]
    assert f"意见箱（{box['business_date']}）" in page.locator(".box-glance").inner_text()
    rejected = page.locator(".card", has_text="未通过的记录")
    assert "patrol.record" in rejected.inner_text() and "王强" in rejected.inner_text()
    assert page.locator(".grid.compact .hour").count() >= 1
    cases = live.rest("service_quality_officer").get(f"/api/branches/{live.demo['branch_id']}/today")["complaints"]
    assert page.locator(".cases li").count() == min(cases["count"], 8) and "最近时限" in page.locator(".cases").inner_text()
    assert page.locator(".cases li .badge.rejected").count() == sum(c["overdue"] for c in cases["items"][:8])
    assert small_targets(page) == []
    shoot(page, "service-quality-officer", full=True)
    problems: dict = {}
    check_both_languages(page, "service_quality_officer", problems)
    # One tap acknowledges an alert from the home screen (no note).
    first = page.locator("#alerts li.open").first
    alert_id = first.get_attribute("data-alert")
    first.get_by_role("button", name="确认", exact=True).click()
    page.locator(f'#alerts li[data-alert="{alert_id}"] .state').wait_for()
    wait_synced(page)
    alerts = live.rest("service_quality_officer").get(f"/api/branches/{live.demo['branch_id']}/today")["alerts"]
    acked = {a["id"]: a for a in alerts}[alert_id]
    assert acked["acknowledged_at"] and acked["ack_note"] is None
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, ensure_ascii=False, indent=1)


def test_counter_and_president_main_screens(live, launch):
    """The roles without a screen test of their own: the teller's and the relationship
    manager's counter and cases, the branch president's alerts and cases."""
    evaluate_compliance(live)
    context = launch()
    problems: dict = {}
    for role, ready, name in (("teller", ".stopwatch", "teller"), ("relationship_manager", ".stopwatch", "relationship-manager"),
                              ("branch_president", "#alerts", "branch-president")):
        page = context.browser.new_context(**CONTEXT_OPTIONS).new_page()
        sign_in(page, live, role)
        page.wait_for_selector(ready)
        page.wait_for_selector(".cases")
        assert small_targets(page) == [], role
        shoot(page, name)
        check_both_languages(page, role, problems)
        if role == "branch_president":  # more alerts than the home screen shows: one tap to all of them
            shown = page.locator("#alerts li.alert-item").count()
            assert shown == 3 and "×" in page.locator("#alerts .groups").inner_text()
            page.get_by_role("button", name="可加确认备注").click()
            page.wait_for_function("document.querySelectorAll('#alerts li.alert-item').length > 3")
            assert page.locator("#alerts li.open form.ack").count() == page.locator("#alerts li.open").count()
            problems["alerts/zh-CN"] = axe_violations(page)
        page.context.close()
    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, ensure_ascii=False, indent=1)
