"""Complaints and alerts in Chromium (#15): the teller's hand-off counter prompts at the
branch's configured minute and records who took the case first (R-CMP-2, R-CMP-5); the
lobby manager's intake and the case's two clocks, an unknown calendar year shown as such;
a supervisor acknowledges an alert and sees its state after (#14)."""
from __future__ import annotations

from datetime import datetime

from browser_support import button, go_offline, go_online, set_branch, sign_in, wait_synced
from test_browser_screens import axe_violations, shoot


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_r_cmp_5_counter_prompts_at_the_configured_minute_and_records_the_first_owner(live, launch):
    set_branch(live, settings={"complaint_teller_handoff_minutes": 2})  # the branch's own value, not the manual's 3
    context = launch()
    page = context.new_page()
    page.clock.install()  # a clock the test moves on
    sign_in(page, live, "teller")
    assert "满 2 分钟" in page.locator(".stopwatch").inner_text()
    button(page, "客户在抱怨").click()
    page.wait_for_selector("#stopwatch .counter")
    page.clock.fast_forward("01:50")
    page.wait_for_function("document.querySelector('#stopwatch .counter').textContent >= '01:50'")
    assert page.locator("#stopwatch .prompt").is_hidden()
    page.clock.fast_forward("00:15")
    page.wait_for_selector("#stopwatch .prompt", state="visible")
    assert page.locator("#stopwatch .prompt").inner_text() == "已满 2 分钟：请移交大堂经理"
    shoot(page, "teller-counter")
    assert axe_violations(page) == []
    button(page, "移交大堂经理").click()
    page.fill("textarea[name=handoff_summary]", "客户对转账手续费有异议，情绪激动。")
    page.fill("input[name=handoff_customer]", "钱先生")
    button(page, "保存并移交大堂经理").click()
    page.wait_for_selector(".clocks")
    wait_synced(page)

    teller_id = live.demo["accounts"][live.account("teller")]["staff_id"]
    cases = live.rest("lobby_manager").get(f"/api/branches/{live.demo['branch_id']}/complaints?status=open")["items"]
    case = next(c for c in cases if c["summary"].startswith("客户对转账手续费"))
    assert (case["channel"], case["taken_by"], case["taker_role"]) == ("oral", teller_id, "teller"), "首问责任人"
    assert (case["level"], case["owner_role"]) == ("lobby_manager", "lobby_manager")
    assert [e["kind"] for e in case["events"]] == ["opened", "escalated"]
    # The case began when the counter started: its hand-off was due 2 minutes after that.
    due = iso(case["clocks"]["manual"]["handoff_due_at"]) - iso(case["times"]["happened_at"])
    assert due.total_seconds() == 120
    assert case["events"][1]["times"]["happened_at"] >= case["clocks"]["manual"]["handoff_due_at"]


def test_r_cmp_3_intake_and_both_clocks_with_an_unknown_calendar_year(live, launch):
    # 40 working days from today reach into a year the calendar does not know (2027).
    set_branch(live, settings={"complaint_regulator_day_basis": "working", "complaint_regulator_days": 40})
    context = launch()
    page = context.new_page()
    sign_in(page, live, "lobby_manager")
    button(page, "登记投诉").click()
    page.select_option("select[name=channel]", "hotline")
    page.fill("textarea[name=summary]", "95558 转来：信用卡年费收取有异议。")
    page.fill("input[name=customer_name]", "孙女士")
    button(page, "保存投诉").click()
    assert "须填写工单号" in page.locator("p.error").inner_text()
    page.fill("input[name=hotline_ticket]", "95558-2026-1202-0042")
    go_offline(context, live)  # saved with no signal: the clocks wait for the upload (with
    button(page, "保存投诉").click()  # a signal the upload could win the race to the page)
    page.wait_for_selector(".clocks")
    assert "时限将在上传后由服务器计算" in page.locator(".clocks").inner_text()
    go_online(context, live)
    wait_synced(page)
    page.reload()
    page.wait_for_selector(".clocks h4")
    clocks = page.locator(".clocks").inner_text()
    assert "手册时限" in clocks and "监管时限" in clocks
    assert "期限未知：2027 年工作日日历尚未加载" in clocks, clocks
    assert "95558-2026-1202-0042" in page.locator("dl.card").inner_text()
    shoot(page, "lobby-complaint-case")
    problems = {"zh-CN": axe_violations(page)}
    case_url = page.url
    page.goto(live.url + "/#home")
    button(page, "English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.goto(case_url)
    page.wait_for_selector(".clocks h4")
    assert "Deadline unknown: the 2027 calendar is not loaded" in page.locator(".clocks").inner_text()
    problems["en"] = axe_violations(page)
    assert problems == {"zh-CN": [], "en": []}
    case = live.rest("lobby_manager").get(f"/api/branches/{live.demo['branch_id']}/complaints?channel=hotline&status=open")["items"]
    mine = [c for c in case if c["hotline_ticket"] == "95558-2026-1202-0042"]
    assert len(mine) == 1 and mine[0]["clocks"]["deadline_unknown"] and mine[0]["clocks"]["regulator"]["due_at"] is None
    assert mine[0]["clocks"]["deadline_unknown_year"] == 2027  # what the phone shows, as a field (#15)


def test_supervisor_acknowledges_an_alert_and_sees_its_state(live, launch):
    from server.services.compliance import evaluate

    with live.app.app_context():
        evaluate(live.app.extensions["clock"].now())  # the demo's unpatrolled hours raise alerts
    context = launch()
    page = context.new_page()
    sign_in(page, live, "operations_manager")
    page.wait_for_selector("#alerts li.open form.ack")  # on the home screen, one tap each
    page.get_by_role("button", name="可加确认备注").click()  # all of them, with a note
    page.wait_for_selector("#alerts li.open input[name=ack_note]")
    first = page.locator("#alerts li.open").first
    alert_id = first.get_attribute("data-alert")
    first.locator("input[name=ack_note]").fill("已电话提醒保安补巡")
    first.get_by_role("button", name="确认").click()
    item = page.locator(f'#alerts li[data-alert="{alert_id}"]')
    item.locator(".state").wait_for()
    text = item.inner_text()  # on the phone until sent, then acknowledged by name from the server
    assert "已确认" in text and ("已保存在本机" in text or "黄伟 Huang Wei" in text)
    wait_synced(page)
    alerts = live.rest("operations_manager").get(f"/api/branches/{live.demo['branch_id']}/today")["alerts"]
    acked = {a["id"]: a for a in alerts}[alert_id]
    assert acked["ack_note"] == "已电话提醒保安补巡" and acked["acknowledged_at"]
    assert acked["acknowledged_by"] == live.demo["accounts"][live.account("operations_manager")]["staff_id"]
    assert acked["resolved_at"] is None, "acknowledging does not resolve"
    page.reload()
    item = page.locator(f'#alerts li[data-alert="{alert_id}"]')
    item.locator(".state").wait_for()
    assert "已确认 · 黄伟 Huang Wei" in item.inner_text() and "已保存在本机" not in item.inner_text()
    shoot(page, "supervisor-alerts")
    assert axe_violations(page) == []
