"""A photo stored while its incident is being pushed, or an incident pushed while its
photo is being stored, ends ``received`` (R-SEC-4): the push's read of its photos and
the upload's marking of references serialise on the digest (``lock_photos``).

Each race is made deterministic: the first request pauses inside its transaction, right
after its photo statement, while the second runs in another thread for up to 1.5 s.
Without the lock, on PostgreSQL the second finishes in that pause without seeing the
first, and the incident keeps "missing" for a photo the server holds. (SQLite runs one
writer at a time: the second waits on the write lock either way.)"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

from sqlalchemy import event

from server.extensions import db
from tests.conftest import RoleClient
from tests.support.helpers import make_image, sha
from tests.server.sync_handlers.test_incident import report_args


def _own_client(app: Any, rc: RoleClient) -> RoleClient:
    """The same staff member on a test client of its own (one per thread)."""
    return RoleClient(app.test_client(), rc.token, rc.staff)


@contextlib.contextmanager
def _pause_after(app: Any, marker: str, second: threading.Thread) -> Iterator[list[str]]:
    """After this thread's first statement holding ``marker``, start ``second`` and give
    it 1.5 s. Yields what happened: ``"paused"``, then ``"second finished"`` if it did."""
    with app.app_context():
        engine = db.engine
    me, seen = threading.get_ident(), []

    def after(conn, cursor, statement, *args):  # noqa: ANN001
        if seen or threading.get_ident() != me or marker not in statement:
            return
        seen.append("paused")
        second.start()
        second.join(1.5)
        if not second.is_alive():
            seen.append("second finished")

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


def test_r_sec_4_a_photo_stored_while_its_incident_is_pushed_ends_received(app, as_role, demo, push, pull):
    guard, om = as_role("guard"), as_role("operations_manager")
    data = make_image(seed=41)
    uploader, answers = _own_client(app, guard), []
    upload = threading.Thread(target=lambda: answers.append(
        uploader.put(f"/api/photos/{sha(data)}", data=data, content_type="image/jpeg").status_code))
    args = report_args(photos=[sha(data)])
    with _pause_after(app, "FROM photo", upload) as seen:
        assert push(guard, [("incident.report", args)])[0]["status"] == "applied"
    upload.join(30)
    assert seen == ["paused"], "the upload finished inside the push's transaction"
    assert answers == [201]
    assert pull(om)[("incident", args["incident_id"])]["missing_photos"] == 0


def test_r_sec_4_an_incident_pushed_while_its_photo_is_stored_ends_received(app, as_role, demo, push, pull):
    guard, om = as_role("guard"), as_role("operations_manager")
    data = make_image(seed=42)
    args, results = report_args(photos=[sha(data)]), []
    pusher = _own_client(app, guard)
    pushing = threading.Thread(target=lambda: results.extend(push(pusher, [("incident.report", args)])))
    with _pause_after(app, "FROM incident_photo", pushing) as seen:
        assert guard.put(f"/api/photos/{sha(data)}", data=data, content_type="image/jpeg").status_code == 201
    pushing.join(30)
    assert seen == ["paused"], "the push finished inside the upload's transaction"
    assert [r["status"] for r in results] == ["applied"]
    assert pull(om)[("incident", args["incident_id"])]["missing_photos"] == 0
