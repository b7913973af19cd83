"""The lobby manager's evening in Chromium (#15, R-BOX-1..4): the box opened, slips added,
replied and called back with no signal; the browser closed and opened again on the same
profile; what is still missing shown before close; everything arrives once."""
from __future__ import annotations

from PIL import Image

from browser_support import (
    button, client_id, go_offline, go_online, local_today, mutation_log, pending_count, reopen, set_branch, sign_in,
    wait_synced,
)

#: (kind, source, text, customer name, contact): three slips from the box, one book entry.
SLIPS = (
    ("投诉", "意见箱", "周五下午只开了两个窗口，排队一小时。", "赵女士", "13900139002"),
    ("建议", "意见箱", "建议等候区增加老花镜。", "王先生", "13800138001"),
    ("表扬", "意见箱", "柜员耐心细致，点赞！", "", ""),
    ("建议", "意见簿", "希望自助区增加存折补登机。", "", ""),
)


def add_slip(page, kind: str, source: str, text: str, name: str, contact: str) -> None:
    form = page.locator("#slip-form")
    form.get_by_role("button", name=kind, exact=True).click()
    form.get_by_role("button", name=source, exact=True).click()
    form.locator("textarea[name=text]").fill(text)
    form.locator("input[name=customer_name]").fill(name)
    form.locator("input[name=contact]").fill(contact)
    before = page.locator("article.entry").count()
    button(page, "保存，录下一条").click()
    page.wait_for_function(f"document.querySelectorAll('article.entry').length === {before + 1}")


def entry(page, text: str):
    return page.locator("article.entry", has_text=text)


def reply(page, text: str, answer: str) -> None:
    card = entry(page, text)
    card.locator("textarea[name=reply]").fill(answer)
    card.get_by_role("button", name="保存回复").click()
    entry(page, text).locator(".reply").wait_for()


def call(page, text: str, outcome: str) -> None:
    attempts = entry(page, text).locator(".callback").inner_text()
    entry(page, text).locator(f"[data-outcome={outcome}]").click()
    page.wait_for_function("([t, a]) => { const c = [...document.querySelectorAll('article.entry')].find((e) => e.textContent.includes(t));"
                           " return c && c.querySelector('.callback').textContent !== a; }", arg=[text, attempts])


def test_r_box_evening_recorded_offline_survives_a_closed_browser_and_syncs_once(live, launch, tmp_path):
    # Business closes at midnight in this test, so the box of today opens whenever it runs.
    set_branch(live, close_of_business={})
    profile = tmp_path / "lobby-phone"
    context = launch(profile=profile)
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, live, "lobby_manager")
    page.wait_for_selector(".card.box")
    go_offline(context, live)

    page.get_by_role("button", name="意见箱开箱").click()
    page.fill("input[name=slip_count]", "3")
    photo = tmp_path / "box.png"
    Image.new("RGB", (800, 600), (200, 180, 150)).save(photo)
    page.set_input_files("input[name=photo]", str(photo))
    page.wait_for_selector("text=已添加 1 张照片")
    button(page, "开箱").click()
    page.wait_for_selector("#slip-form")
    for slip in SLIPS:
        add_slip(page, *slip)
    reply(page, SLIPS[2][2], "感谢您的表扬，已转达本人。")
    reply(page, SLIPS[3][2], "感谢建议，已报分行评估。")
    call(page, SLIPS[0][2], "reached")
    call(page, SLIPS[1][2], "no_answer")
    assert pending_count(page) == 1 + 4 + 2 + 2
    context.close()  # the browser is closed with everything unsent

    context, page = reopen(launch, profile, live)
    assert pending_count(page) == 9, "nothing lost"
    page.get_by_role("button", name="继续开箱").click()
    page.wait_for_selector("#box-missing")
    assert page.locator("article.entry").count() == 4
    missing = page.locator("#box-missing").inner_text()
    assert "2 条尚未书面回复" in missing and "1 位客户尚未致电" in missing, missing
    button(page, "完成开箱").click()  # tried anyway: refused on the phone, before any push
    assert "还有意见未书面回复" in page.locator("#close-message").inner_text()
    assert "无人接听" in entry(page, SLIPS[1][2]).locator(".callback").inner_text()
    reply(page, SLIPS[0][2], "非常抱歉，已安排高峰时段增开窗口。")
    reply(page, SLIPS[1][2], "感谢建议，老花镜已配置。")
    call(page, SLIPS[1][2], "reached")  # the no-answer is retried
    assert "都已完成" in page.locator("#box-missing").inner_text()
    page.fill("input[name=close_slip_count]", "3")
    button(page, "完成开箱").click()
    page.wait_for_selector(".card.box")
    assert pending_count(page) == 13

    go_online(context, live)
    wait_synced(page)
    rest = live.rest("lobby_manager")
    branch = live.demo["branch_id"]
    sessions = rest.get(f"/api/branches/{branch}/box-sessions?date={local_today(live)}")["items"]
    assert len(sessions) == 1
    box = sessions[0]
    assert (box["status"], box["slip_count"], box["empty"], box["open_callbacks"]) == ("closed", 3, False, 0)
    entries = {e["text"]: e for e in box["entries"]}
    assert set(entries) == {s[2] for s in SLIPS}
    assert all(e["reply"] for e in entries.values()), "R-BOX-2: every entry replied"
    assert [c["outcome"] for c in entries[SLIPS[1][2]]["callbacks"]] == ["no_answer", "reached"]
    assert [c["outcome"] for c in entries[SLIPS[0][2]]["callbacks"]] == ["reached"]
    assert entries[SLIPS[3][2]]["source"] == "book" and entries[SLIPS[3][2]]["callback_status"] == "not_needed"
    case = rest.get(f"/api/branches/{branch}/complaints/{entries[SLIPS[0][2]]['complaint_id']}")
    assert case["channel"] == "suggestion_box", "R-BOX-4: the complaint slip opened its case"
    log = mutation_log(live.rest("operations_manager"), client_id(page))
    assert [m["id"] for m in log] == list(range(1, 14)) and all(m["status"] == "applied" for m in log), log
    page.wait_for_selector("text=已完成开箱")
    # The photo of the opened box followed on its own queue (R-BOX-1's evidence).
    assert len(box["photo_sha256"] or "") == 64
    page.wait_for_function("""async (sha) => { const { app } = await import('/static/app.js');
        const p = await app.store.photo(sha); return p && p.state === 'uploaded'; }""", arg=box["photo_sha256"], timeout=30000)


def test_r_box_empty_box_is_stated_not_implied(live, launch):
    set_branch(live, close_of_business={})
    context = launch()
    page = context.new_page()
    sign_in(page, live, "lobby_manager")
    page.get_by_role("button", name="意见箱开箱").click()
    button(page, "今日无意见（箱内为空）").click()
    page.wait_for_selector("text=今日无意见，已完成开箱")
    wait_synced(page)
    box = live.rest("lobby_manager").get(
        f"/api/branches/{live.demo['branch_id']}/box-sessions?date={local_today(live)}")["items"][0]
    assert (box["status"], box["empty"], box["slip_count"], box["entries"]) == ("closed", True, 0, [])


def test_lobby_screens_screenshots_and_axe_in_both_languages(live, launch):
    from test_browser_screens import axe_violations, shoot

    set_branch(live, close_of_business={})
    context = launch()
    page = context.new_page()
    sign_in(page, live, "lobby_manager")
    problems = {"lobby-home/zh-CN": axe_violations(page)}
    page.get_by_role("button", name="意见箱开箱").click()
    page.fill("input[name=slip_count]", "2")
    button(page, "开箱").click()
    page.wait_for_selector("#slip-form")
    problems["box-open/zh-CN"] = axe_violations(page)
    add_slip(page, *SLIPS[0])
    add_slip(page, *SLIPS[2])
    reply(page, SLIPS[2][2], "感谢您的表扬，已转达本人。")
    call(page, SLIPS[0][2], "no_answer")
    wait_synced(page)
    top = shoot(page, "lobby-box")
    page.evaluate("() => document.querySelector('#box-missing').scrollIntoView()")
    page.screenshot(path=str(top.with_name("lobby-box-missing.png")))
    problems["box/zh-CN"] = axe_violations(page)
    page.goto(live.url + "/#home")
    page.wait_for_selector(".card.box")
    shoot(page, "lobby-manager")
    button(page, "English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    problems["lobby-home/en"] = axe_violations(page)
    page.get_by_role("button", name="Continue with the box").click()
    page.wait_for_selector("#box-missing")
    assert "1 entries without a written reply" in page.locator("#box-missing").inner_text()
    problems["box/en"] = axe_violations(page)
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main a.big, main input, main select, main textarea')]
        .filter((e) => e.offsetParent !== null).map((e) => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
        .filter(([, height]) => height < 48)""")
    assert small == [], "touch targets are at least 48 px high"
    assert {k: v for k, v in problems.items() if v} == {}
