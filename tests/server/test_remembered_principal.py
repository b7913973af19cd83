"""A sync pull from a principal the process remembers is confirmed in the page's own
statement (#3): nothing a fresh authentication would refuse gets through, in this
process or another (sync-protocol.md "Sessions")."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from server import create_app
from server.extensions import db
from server.models.org import DeviceSession, Staff
from server.services.auth import LAST_SEEN_RESOLUTION


class Device:
    """A guard's phone polling /api/sync/pull with its own client_id."""

    def __init__(self, role_client) -> None:  # noqa: ANN001
        self.rc, self.client_id, self.cursor = role_client, str(uuid.uuid4()), None

    def pull(self, client=None, body=None):  # noqa: ANN001
        send = client.post if client is not None else self.rc.post
        body = body if body is not None else {"client_id": self.client_id, "protocol": 1, "cursor": self.cursor}
        resp = send("/api/sync/pull", json=body, headers=self.rc.headers)
        if resp.status_code == 200:
            self.cursor = resp.get_json()["cursor"]
        return resp


@pytest.fixture
def guard(as_role, app):
    device = Device(as_role("guard"))
    assert device.pull().status_code == 200
    assert device.pull().status_code == 200
    assert app.extensions["remembered_principals"], "the poll should have remembered its principal"
    return device


def _set(app, model, where, **values):  # noqa: ANN001
    with app.app_context():
        db.session.execute(update(model).where(where).values(**values))
        db.session.commit()


def _unauthenticated(resp) -> None:  # noqa: ANN001
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.get_json()["code"] == "unauthenticated"


def test_a_session_revoked_elsewhere_is_refused_at_the_next_poll(app, guard, clock):
    _set(app, DeviceSession, DeviceSession.staff_id == uuid.UUID(guard.rc.staff["id"]), revoked_at=clock.now())
    _unauthenticated(guard.pull())
    _unauthenticated(guard.pull())


def test_a_refused_poll_does_not_count_as_the_devices_sync(app, guard, clock):
    """Compliance's watermark (#14) is the last push or pull the server *answered*: a
    revoked session's poll due to record ``last_pull_at`` (which PostgreSQL does in the
    page statement, #16) is refused 401 and leaves it as it was."""
    from sync import store

    def last_pull_at():  # noqa: ANN202
        with app.app_context():
            return db.session.scalar(select(store.client_table.c.last_pull_at).where(
                store.client_table.c.client_id == uuid.UUID(guard.client_id)))

    before = last_pull_at()
    clock.advance(seconds=11)  # past pull_touch_interval
    _set(app, DeviceSession, DeviceSession.staff_id == uuid.UUID(guard.rc.staff["id"]), revoked_at=clock.now())
    _unauthenticated(guard.pull())
    assert last_pull_at() == before


def test_an_expired_session_is_refused(app, guard, clock):
    _set(app, DeviceSession, DeviceSession.staff_id == uuid.UUID(guard.rc.staff["id"]),
         expires_at=clock.now() + timedelta(seconds=5))
    assert guard.pull().status_code == 200
    clock.advance(seconds=5)
    _unauthenticated(guard.pull())


def test_a_deactivated_member_is_refused(app, guard):
    _set(app, Staff, Staff.id == uuid.UUID(guard.rc.staff["id"]), active=False)
    _unauthenticated(guard.pull())


def test_a_role_change_pulls_the_new_scope_at_once(app, guard):
    """Remembered as a guard, now a lobby manager: the next poll is answered for the new
    role (a reset: the scope changed), as a fresh authentication would."""
    _set(app, Staff, Staff.id == uuid.UUID(guard.rc.staff["id"]), role="lobby_manager")
    page = guard.pull().get_json()
    assert page["reset"] is True
    assert app.extensions["remembered_principals"]
    assert {p.role for p in app.extensions["remembered_principals"].values()} == {"lobby_manager"}
    assert guard.pull().get_json()["reset"] is False


def test_last_seen_at_is_still_kept(app, guard, clock):
    clock.advance(LAST_SEEN_RESOLUTION)
    assert guard.pull().status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(DeviceSession.last_seen_at).where(
            DeviceSession.staff_id == uuid.UUID(guard.rc.staff["id"])))
    assert seen == clock.now()


def test_a_poll_due_to_touch_last_seen_at_stays_one_statement_on_postgresql(app, guard, clock, statements, db_url):
    """A phone re-polls every 30 s and ``last_seen_at`` is kept to the minute, so every
    other poll is due to write it (#16): on PostgreSQL the poll's own statement does,
    instead of failing its confirmation and running again, authenticated afresh."""
    clock.advance(LAST_SEEN_RESOLUTION)
    with statements() as seen:
        assert guard.pull().status_code == 200
    with app.app_context():
        seen_at = db.session.scalar(select(DeviceSession.last_seen_at).where(
            DeviceSession.staff_id == uuid.UUID(guard.rc.staff["id"])))
    assert seen_at == clock.now()
    if db_url.startswith("postgresql"):
        assert len(seen) == 1 and "confirm_touch AS (UPDATE device_session" in seen[0], seen


def test_authentication_is_answered_before_the_body(app, guard, clock):
    """A revoked token with a broken body gets the 401 it got before, not a 400."""
    _set(app, DeviceSession, DeviceSession.staff_id == uuid.UUID(guard.rc.staff["id"]), revoked_at=clock.now())
    _unauthenticated(guard.pull(body={"client_id": "nope"}))
    _unauthenticated(guard.pull(body={"client_id": guard.client_id, "protocol": 1, "cursor": "forged"}))


def test_a_remembered_principal_still_gets_its_errors(guard):
    resp = guard.pull(body={"client_id": guard.client_id, "protocol": 1, "cursor": "forged"})
    assert resp.status_code == 400 and resp.get_json()["code"] == "bad_cursor"
    assert guard.pull().status_code == 200


def test_another_process_that_remembers_the_principal_refuses_it_after_a_logout(app, db_url, clock, tmp_path, guard):
    other = create_app({"database_url": db_url, "testing": True, "secret_key": "test-secret",
                        "photo_dir": str(tmp_path / "photos")}, clock=clock)
    try:
        assert guard.pull(other.test_client()).status_code == 200
        assert other.extensions["remembered_principals"]
        assert guard.rc.post("/api/auth/logout").status_code == 204  # through this process
        _unauthenticated(guard.pull(other.test_client()))
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
