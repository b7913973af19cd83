"""The client sync library in Chromium (#15, docs/sync-protocol.md): what was shown as
saved arrives once — across a closed browser, a killed tab, a revoked session, two tabs."""
from __future__ import annotations

import time

from browser_support import (
    button, client_id, go_offline, kill_browser, go_online, mutation_log, patrol_typed, pending_count, sign_in, start_shift,
    wait_synced,
)


def incidents(live) -> list[dict]:
    rest = live.rest("operations_manager")
    return rest.get(f"/api/branches/{live.demo['branch_id']}/incidents?status=all&limit=200")["items"]


def report_incident(page, description: str) -> None:
    page.get_by_role("button", name="事件上报").click()
    page.fill("textarea[name=description]", description)
    button(page, "提交").click()
    page.wait_for_selector("p.who")


def assert_sent_once(live, page, expected: int) -> None:
    log = mutation_log(live.rest("operations_manager"), client_id(page))
    assert [m["id"] for m in log] == list(range(1, expected + 1)), "consecutive, each once"
    assert all(m["status"] == "applied" for m in log), [m["error"] for m in log]


def test_closed_browser_and_killed_tab_lose_nothing(live, launch, tmp_path):
    profile = tmp_path / "phone"
    context = launch(profile=profile)
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, live, "guard")
    go_offline(context, live)
    start_shift(page)
    report_incident(page, "自助区门禁故障")
    patrol_typed(page, live.demo["checkpoints"]["self_service"])
    context.close()  # the browser is closed with three records unsent

    context = launch(profile=profile)  # the same phone opened again, still no signal
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live.url + "/")
    page.wait_for_selector("p.who")
    assert pending_count(page) == 3
    report_incident(page, "可疑人员逗留")
    page.wait_for_selector(".toast")  # shown as saved …
    kill_browser(profile)  # … and the phone dies at once
    context = launch(profile=profile)
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live.url + "/")
    page.wait_for_selector("p.who")
    assert pending_count(page) == 4

    go_online(context, live)
    wait_synced(page)
    assert sorted(i["description"] for i in incidents(live)) == ["可疑人员逗留", "自助区门禁故障"]
    assert_sent_once(live, page, 4)


def test_revoked_session_asks_for_password_then_sends_once(live, launch):
    context = launch()
    page = context.new_page()
    sign_in(page, live, "guard")
    first_client = client_id(page)
    rest = live.rest("operations_manager")
    guard_id = live.demo["accounts"][live.account("guard")]["staff_id"]
    for s in rest.get("/api/sessions")["sessions"]:
        if s["staff_id"] == guard_id:
            rest.post(f"/api/sessions/{s['id']}/revoke")
    report_incident(page, "ATM 屏幕破损")
    report_incident(page, "地面湿滑")
    page.wait_for_selector("#sync-pill.auth")
    assert "需重新登录后上传" in page.locator("#sync-pill").inner_text()
    assert pending_count(page) >= 1
    page.locator("#sync-pill").click()
    page.wait_for_selector("text=登录已失效")
    page.fill("input[name=password]", "browser-pass-1")
    page.click("form button[type=submit]")
    wait_synced(page)
    assert client_id(page) == first_client, "the same person carries on with the same client"
    assert sorted(i["description"] for i in incidents(live)) == ["ATM 屏幕破损", "地面湿滑"]
    assert_sent_once(live, page, 2)


def test_two_tabs_record_at_once_with_consecutive_ids(live, launch):
    context = launch()
    one = context.new_page()
    sign_in(one, live, "guard")
    two = context.new_page()
    two.goto(live.url + "/")
    two.wait_for_selector("p.who")
    go_offline(context, live)
    fire = int(time.time() * 1000) + 700
    script = """async ([at, tab]) => {
      const { app } = await import('/static/app.js');
      await new Promise((r) => setTimeout(r, at - Date.now()));
      await Promise.all(Array.from({ length: 10 }, (_, i) => app.save('incident.report', {
        incident_id: crypto.randomUUID(), category: 'other', location: 'lobby',
        description: `tab ${tab} #${i}`, severity: 'low' })));
    }"""
    one.evaluate("([s, a]) => { window.__go = new Function('return ' + s)()(a); }", [script, [fire, 1]])
    two.evaluate("([s, a]) => { window.__go = new Function('return ' + s)()(a); }", [script, [fire, 2]])
    one.evaluate("() => window.__go")
    two.evaluate("() => window.__go")
    assert pending_count(one) == 20
    go_online(context, live)
    wait_synced(one)
    wait_synced(two)
    assert len(incidents(live)) == 20
    assert_sent_once(live, one, 20)


def test_rejected_mutation_shows_the_servers_reason(live, launch):
    context = launch()
    page = context.new_page()
    sign_in(page, live, "guard")
    start_shift(page)
    patrol_typed(page, "not-a-real-code")
    page.wait_for_selector(".card.alert .reason")
    reason = page.locator(".card.alert .reason").inner_text()
    assert reason.strip(), "the server's message is shown"
    rest = live.rest("operations_manager")
    rejected = rest.get(f"/api/branches/{live.demo['branch_id']}/rejected-mutations")["items"]
    assert [r["error"]["code"] for r in rejected] == ["unknown_checkpoint"]
    assert rejected[0]["error"]["message"] in reason or rejected[0]["error"]["code"] in reason
