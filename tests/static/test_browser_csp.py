"""The app runs under the Content-Security-Policy the server sends (#12, #15): the other
browser tests bypass it for their own injected code (axe-core, predicates), this one does not."""
from __future__ import annotations

from browser_support import CONTEXT_OPTIONS, PASSWORD


def test_app_shell_runs_under_the_real_csp(live, playwright):
    from browser_support import CHROMIUM, browser_args

    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=browser_args(None))
    try:
        page = browser.new_context(**{**CONTEXT_OPTIONS, "bypass_csp": False}).new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: refused.append(str(e)))
        response = page.goto(live.url + "/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.fill("input[name=employee_no]", live.account("guard", 0))
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_selector("p.who")  # signed in: the app's modules ran
        page.wait_for_selector("text=已同步", timeout=30000)
        # The module worker and the sync library it imports ran under the worker's own CSP.
        # (evaluate, not wait_for_function: its polled predicate is an eval the real CSP refuses)
        assert page.evaluate("""new Promise((done) => navigator.serviceWorker.controller ? done(true)
            : navigator.serviceWorker.addEventListener("controllerchange", () => done(true)))""")
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.state)") == "activated"
        assert refused == []
    finally:
        browser.close()
