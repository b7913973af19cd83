"""A guard's hour grid shows the server's verdict (#15, R-SEC-5): R-SEC-5 obligations are
routed to the branch's guards, so an hour a supervisor excused reads "excused" on the
guard's phone, a status the phone cannot derive from its own patrols."""
from __future__ import annotations

import uuid

from browser_support import sign_in, start_shift, wait_synced
from sqlalchemy import select

from server.extensions import db
from server.models.compliance import Obligation
from server.services import compliance as C


def test_r_sec_5_guard_grid_shows_the_servers_status_for_its_hour(live, launch):
    context = launch()
    page = context.new_page()
    sign_in(page, live, "guard")
    start_shift(page)
    wait_synced(page)
    # Without a patrol the phone alone shows the current hour as due.
    page.wait_for_selector(".hour.due")
    om = next(acc["staff_id"] for acc in live.demo["accounts"].values() if acc["role"] == "operations_manager")
    with live.app.app_context():
        now = live.app.extensions["clock"].now()
        C.evaluate(now)
        hour = db.session.scalars(select(Obligation).where(
            Obligation.rule == "R-SEC-5", Obligation.branch_id == uuid.UUID(live.demo["branch_id"]),
            Obligation.window_start <= now, Obligation.window_end > now)).one()
        C.excuse_obligation(uuid.UUID(om), hour.id, "ATM area shut for works", now)
    page.reload()
    page.wait_for_selector("p.who")
    wait_synced(page)
    cell = page.locator('.hour.excused[data-source="server"]')
    cell.wait_for()
    assert cell.count() == 1
