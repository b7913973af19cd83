"""A new version is deployed while the phone holds unsent records (#15): the records
are still sent, once, and the phone then runs the new version."""
from __future__ import annotations

from browser_support import deployable, go_offline, go_online, mutation_log, client_id, sign_in, wait_synced
from test_browser_sync import incidents, report_incident


def test_new_version_deployed_with_unsent_records_sends_them_once(tmp_path, launch):
    with deployable(tmp_path) as (static, live):
        context = launch()
        page = context.new_page()
        sign_in(page, live, "guard")
        old = page.evaluate("navigator.serviceWorker.controller.scriptURL")
        go_offline(context, live)
        report_incident(page, "版本一记录 A")
        report_incident(page, "版本一记录 B")
        css = static / "app.css"
        css.write_text(css.read_text() + "\n.deployed-v2 { color: inherit; }\n")
        go_online(context, live, new_app=True)  # the deploy: a new process serving the new files
        page.reload()
        page.wait_for_function(f"navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL !== {old!r}",
                               timeout=30000)
        page.wait_for_selector("p.who")
        wait_synced(page)
        assert sorted(i["description"] for i in incidents(live)) == ["版本一记录 A", "版本一记录 B"]
        log = mutation_log(live.rest("operations_manager"), client_id(page))
        assert [(m["id"], m["status"]) for m in log] == [(1, "applied"), (2, "applied")]
        served = page.evaluate("async () => (await (await fetch('/static/app.css')).text())")
        assert "deployed-v2" in served, "the new version's files"
        assert page.evaluate("async () => (await caches.keys()).filter((k) => k.startsWith('shell-')).length") == 1
