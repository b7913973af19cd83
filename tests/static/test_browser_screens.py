"""Each role's main screen on a 360×640 phone in Chinese: a screenshot into
``instance/screenshots/`` (the best are kept in ``docs/screenshots/``), and axe-core
(vendored from npm) finds no WCAG 2.1 A/AA violation, in Chinese and in English (#15)."""
from __future__ import annotations

import json
from pathlib import Path

from browser_support import CONTEXT_OPTIONS, button, patrol_typed, sign_in, start_shift, wait_synced

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "instance" / "screenshots"
AXE = (ROOT / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is (run through the
    DevTools protocol, so the app's Content-Security-Policy is left as it is)."""
    page.evaluate(AXE)
    found = page.evaluate("async (tags) => (await axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations", WCAG)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in found]


def shoot(page, name: str, *, full: bool = False) -> Path:
    """The phone's screen as the person sees it on opening (360×640); ``full`` also writes
    ``<name>-full.png``, the whole scrolled screen (a supervisor's cards run long)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.evaluate("() => { document.querySelectorAll('.toast').forEach((t) => t.remove()); window.scrollTo(0, 0); }")
    page.screenshot(path=str(path))
    if full:
        page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)
    return path


def check_both_languages(page, name: str, problems: dict) -> None:
    problems[f"{name}/zh-CN"] = axe_violations(page)
    button(page, "English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    problems[f"{name}/en"] = axe_violations(page)
    button(page, "中文").click()
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")


def test_main_screens_of_each_role_screenshots_and_axe(live, launch):
    first = launch()
    browser = first.browser
    problems: dict[str, list] = {}

    page = first.new_page()
    page.goto(live.url + "/")
    page.wait_for_selector("input[name=employee_no]")
    shoot(page, "login")
    problems["login/zh-CN"] = axe_violations(page)

    page = browser.new_context(**CONTEXT_OPTIONS).new_page()
    sign_in(page, live, "guard")
    start_shift(page)
    patrol_typed(page, live.demo["checkpoints"]["self_service"])
    wait_synced(page)
    page.wait_for_selector(".hour.met")
    shoot(page, "guard")
    check_both_languages(page, "guard", problems)
    page.get_by_role("button", name="立即巡查").click()
    page.fill("input[name=checkpoint_code]", live.demo["checkpoints"]["self_service"])
    button(page, "使用此编码").click()
    page.wait_for_selector(".check")
    shoot(page, "guard-patrol-checklist")
    problems["patrol/zh-CN"] = axe_violations(page)
    page.goto(live.url + "/#diagnostics")
    page.wait_for_selector("#diag-client")
    shoot(page, "guard-diagnostics")
    problems["diagnostics/zh-CN"] = axe_violations(page)

    page = browser.new_context(**CONTEXT_OPTIONS).new_page()
    sign_in(page, live, "cleaner")
    start_shift(page)
    button(page, "记录保洁").click()
    wait_synced(page)
    shoot(page, "cleaner")
    check_both_languages(page, "cleaner", problems)

    page = browser.new_context(**CONTEXT_OPTIONS).new_page()
    sign_in(page, live, "onsite")
    page.wait_for_selector(".badge-no")
    button(page, "签到").click()
    wait_synced(page)
    page.wait_for_selector("text=已签到")
    shoot(page, "onsite")
    check_both_languages(page, "onsite", problems)

    for context in browser.contexts:
        context.close()  # the field phones are done (each held a long poll open)
    page = browser.new_context(**CONTEXT_OPTIONS).new_page()
    page.on("pageerror", lambda e: print("PAGEERR", e))
    page.on("console", lambda m: print("CONSOLE", m.text))
    sign_in(page, live, "operations_manager")
    page.wait_for_selector(".grid.compact .hour")  # the server's verdict per hour
    assert page.locator(".grid.compact .hour").count() >= 1
    shoot(page, "operations-manager")
    check_both_languages(page, "operations_manager", problems)

    assert {k: v for k, v in problems.items() if v} == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    assert {"cleaner.png", "guard.png", "login.png", "onsite.png", "operations-manager.png"} <= {p.name for p in SHOTS.glob("*.png")}
