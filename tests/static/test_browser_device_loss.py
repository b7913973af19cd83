"""A wiped phone in Chromium (#15, sync-protocol "A wiped device"): the phone's IndexedDB
goes back to an older copy (its counter behind what the server applied); the next sync
says how many records it lost, tells the server once (the operations manager's home shows
the alert), and what it records from then on is applied, none of it taken for a duplicate."""
from __future__ import annotations

import pytest

from browser_support import (
    button, client_id, go_offline, go_online, mutation_log, patrol_typed, sign_in, start_shift, wait_synced,
)


def restore_older_copy(page, next_id: int) -> None:
    """What a restore from an older backup leaves: this person's counter back at ``next_id``."""
    page.evaluate("""async (nextId) => {
        const { app } = await import('/static/app.js');
        const key = `client:${app.session.staff.id}`;
        const client = await app.store.getMeta(key);
        await app.store.setMeta(key, { ...client, next_id: nextId });
    }""", next_id)


@pytest.mark.parametrize("offline", [True, False], ids=["records-before-signal", "opens-with-signal"])
def test_r_15_a_restored_phone_says_it_lost_records_and_what_it_records_next_is_applied(live, launch, offline):
    context = launch()
    page = context.new_page()
    sign_in(page, live, "guard")
    code = live.demo["checkpoints"]["self_service"]
    start_shift(page)
    patrol_typed(page, code)
    patrol_typed(page, code)
    wait_synced(page)
    rest = live.rest("operations_manager")
    client = client_id(page)
    assert [m["id"] for m in mutation_log(rest, client)] == [1, 2, 3]

    if offline:
        # Restored from a copy that had numbered only the shift's start, the phone records
        # a patrol before it has signal again: numbered 2, which the server has.
        go_offline(context, live)
        restore_older_copy(page, 2)
        page.reload()  # the restored phone opens the app (the service worker serves it)
        page.wait_for_selector("p.who")
        patrol_typed(page, code)
        assert page.locator("#banner").is_hidden(), "offline, nothing can tell the phone yet"
        go_online(context, live)
        lost = 1
    else:
        # Restored and opened with signal: the first pull tells it, before it records.
        restore_older_copy(page, 2)
        page.reload()
        page.wait_for_selector("p.who")
        page.wait_for_selector("#banner:not([hidden])")
        patrol_typed(page, code)
        lost = 2
    page.wait_for_selector("#banner:not([hidden])")
    wait_synced(page)
    assert f"本机丢失了 {lost} 条已上传过的记录" in page.locator("#banner").inner_text()
    log = mutation_log(rest, client)
    assert [m["id"] for m in log] == [1, 2, 3, 4], "numbered after the server's 3, not swallowed as a duplicate"
    assert all(m["status"] == "applied" for m in log), [m["error"] for m in log]

    patrol_typed(page, code)  # and the next one follows on
    wait_synced(page)
    log = mutation_log(rest, client)
    assert [(m["id"], m["status"]) for m in log][-1] == (5, "applied")
    assert [m["name"] for m in log].count("patrol.record") == 4

    alerts = [a for a in rest.get(f"/api/branches/{live.demo['branch_id']}/today")["alerts"]
              if a["kind"] == "device_lost_records"]
    assert len(alerts) == 1, "told once"
    assert "王强 Wang Qiang" in alerts[0]["message"] and f"lost {lost} " in alerts[0]["message"]

    manager = launch().new_page()
    sign_in(manager, live, "operations_manager")
    item = manager.locator(f'#alerts li[data-alert="{alerts[0]["id"]}"]')
    item.wait_for()
    text = item.inner_text()
    assert "手机丢失已上传的记录" in text and "王强 Wang Qiang" in text
    assert button(manager, "确认").count() >= 1
