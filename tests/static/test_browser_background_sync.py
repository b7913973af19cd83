"""Background Sync in Chromium (#15): records saved with no signal reach the server after the
app's last tab was closed, sent by the service worker's ``sync`` event with the tabs' own
sync library, once. Browsers without Background Sync keep sending while a tab is open
(every other browser test)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from browser_support import (
    client_id, copy_static, deployable, go_offline, go_online, mutation_log, patrol_typed, sign_in,
    start_shift, wait_synced,
)
from test_browser_guard import branch_days
from test_browser_sync import incidents, report_incident

#: A browser without module service workers (Firefox before 147): registering one throws.
NO_MODULE_WORKERS = """
const register = ServiceWorkerContainer.prototype.register;
ServiceWorkerContainer.prototype.register = function (url, options) {
  if (options && options.type === "module") return Promise.reject(new TypeError("module service workers are not supported"));
  return register.call(this, url, options);
};
"""


def registration_id(cdp: Any, page: Any, scope: str) -> str:
    """The id DevTools gives the app's worker registration (``ServiceWorker.enable`` reports it)."""
    found: dict[str, str] = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda e: found.update({r["scopeURL"]: r["registrationId"] for r in e["registrations"]}))
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if scope in found:
            return found[scope]
        page.wait_for_timeout(100)  # lets the session deliver its events
    raise AssertionError(f"no registration for {scope}: {found}")


def wait_for_log(live: Any, client: str, count: int, timeout: float = 30.0) -> list[dict]:
    rest = live.rest("operations_manager")
    deadline = time.monotonic() + timeout
    while True:
        log = mutation_log(rest, client)
        if len(log) >= count or time.monotonic() > deadline:
            return log
        time.sleep(0.3)


def test_worker_sends_the_outbox_after_the_tab_is_closed(live, launch):
    context = launch()
    page = context.new_page()
    sign_in(page, live, "guard")
    client = client_id(page)
    go_offline(context, live)
    start_shift(page)
    patrol_typed(page, live.demo["checkpoints"]["self_service"])
    # The push failed with two records waiting: the page asked for a Background Sync.
    page.wait_for_function("navigator.serviceWorker.ready.then((r) => r.sync.getTags()).then((t) => t.includes('outbox'))")
    page.close()  # no tab of the app is left; the context (the browser) lives on

    blank = context.new_page()  # about:blank: only to speak DevTools to the browser
    cdp = context.new_cdp_session(blank)
    registration = registration_id(cdp, blank, live.url + "/")
    go_online(context, live)
    cdp.send("ServiceWorker.dispatchSyncEvent",
             {"origin": live.url, "registrationId": registration, "tag": "outbox", "lastChance": False})

    log = wait_for_log(live, client, 2)
    assert [(m["id"], m["name"], m["status"]) for m in log] == [
        (1, "shift.start", "applied"), (2, "patrol.record", "applied")], "each once, in order"
    rest = live.rest("operations_manager")
    branch = live.demo["branch_id"]
    hours = [h for day in branch_days(live) for h in rest.get(f"/api/branches/{branch}/patrols?date={day}")["hours"]]
    assert len({p["id"] for h in hours for p in h["patrols"]}) == 1, "the server holds the patrol once"

    # The app opened again finds its outbox empty: nothing is sent twice.
    page = context.new_page()
    page.goto(live.url + "/")
    page.wait_for_selector("p.who")
    page.wait_for_function("async () => { const { app } = await import('/static/app.js');"
                           " return app.client && (await app.store.pending(app.client.client_id)).length === 0; }")
    time.sleep(1)
    assert len(mutation_log(rest, client)) == 2


def test_without_module_workers_the_classic_bridge_serves_the_app(live, launch):
    context = launch()
    context.add_init_script(NO_MODULE_WORKERS)
    page = context.new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    sign_in(page, live, "guard")
    assert "type=module" not in page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert any("not registered as a module" in w for w in warnings), warnings
    go_offline(context, live)
    page.reload()  # the classic bridge serves the shell offline
    page.wait_for_selector("p.who")
    report_incident(page, "无模块工作线程")
    go_online(context, live)
    wait_synced(page)  # sent by the tab, as before Background Sync
    assert [i["description"] for i in incidents(live)] == ["无模块工作线程"]


def test_a_phone_on_a_classic_worker_moves_to_the_module_worker_after_sending(tmp_path, launch):
    """A page of a build from before the module worker registers /sw.js as a classic script:
    it gets the classic bridge, then the new page the module worker, records sent once."""
    def classic_build(static: Path) -> None:
        app_js = static / "app.js"
        app_js.write_text(app_js.read_text().replace("&type=module`", "`").replace(', type: "module" }', " }"))

    with deployable(tmp_path, edit=classic_build) as (static, live):
        context = launch()
        page = context.new_page()
        sign_in(page, live, "guard")
        assert "type=module" not in page.evaluate("navigator.serviceWorker.controller.scriptURL")
        go_offline(context, live)
        report_incident(page, "旧版本记录")
        shutil.rmtree(static)
        copy_static(static)  # the deploy of this build
        go_online(context, live, new_app=True)
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller"
                               " && navigator.serviceWorker.controller.scriptURL.includes('type=module')", timeout=60000)
        page.wait_for_selector("p.who")
        wait_synced(page)
        log = mutation_log(live.rest("operations_manager"), client_id(page))
        assert [(m["id"], m["status"]) for m in log] == [(1, "applied")]
        assert [i["description"] for i in incidents(live)] == ["旧版本记录"]
        assert page.evaluate("async () => (await caches.keys()).filter((k) => k.startsWith('shell-')).length") == 1
