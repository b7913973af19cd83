"""A guard's shift in Chromium, offline for real (#15, R-SEC-5): the service worker serves
the app, the records wait in IndexedDB, and the server ends up with exactly them."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from browser_support import go_offline, go_online, label_video, patrol_typed, sign_in, start_shift, wait_synced


def branch_days(live) -> list[str]:
    """Yesterday and today in the branch's zone (the test may run across midnight)."""
    today = datetime.now(ZoneInfo(live.demo["timezone"])).date()
    return [(today - timedelta(days=1)).isoformat(), today.isoformat()]


def test_offline_shift_with_three_patrols_one_by_camera(live, launch, tmp_path):
    code = live.demo["checkpoints"]["self_service"]
    payload = f"bfo://checkpoint?v=1&branch={live.demo['branch_code']}&code={code}"
    context = launch(video=label_video(payload, tmp_path / "label.y4m"))
    page = context.new_page()
    sign_in(page, live, "guard")

    go_offline(context, live)
    page.reload()  # no server, no network: the service worker serves the shell
    page.wait_for_selector("p.who")
    start_shift(page)
    # 1: by the camera — patrol now, scan, confirm (three taps)
    page.get_by_role("button", name="立即巡查").click()
    page.get_by_role("button", name="扫码", exact=True).click()
    page.get_by_role("button", name="确认提交").click(timeout=15000)
    page.wait_for_selector("p.who")
    # 2, 3: typed
    patrol_typed(page, code)
    patrol_typed(page, payload)
    assert page.locator(".hour.local").count() >= 1, "the grid shows the hour done, not sent yet"
    assert "待上传 4 条" in page.locator("#sync-pill").inner_text()

    go_online(context, live)
    wait_synced(page)
    rest = live.rest("operations_manager")
    branch = live.demo["branch_id"]
    hours = [h for day in branch_days(live) for h in rest.get(f"/api/branches/{branch}/patrols?date={day}")["hours"]]
    # A patrol in the first grace minutes of an hour may also make up the hour before
    # (R-SEC-5), so an id can be listed under two hours: count distinct patrols.
    patrol_ids = {p["id"] for h in hours for p in h["patrols"]}
    assert len(patrol_ids) == 3
    shifts = {s["id"]: s for day in branch_days(live) for s in rest.get(f"/api/branches/{branch}/shifts?date={day}")["items"]}
    assert [s["is_open"] for s in shifts.values()] == [True]
    page.wait_for_selector(".hour.met")
