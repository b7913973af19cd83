"""Sessions as sync-protocol.md "Sessions" and "Settled details" say."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.models.org import DeviceSession
from tests.conftest import DEMO_PASSWORD, login


def _problem(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == code and body["status"] == status
    return body


def test_login_returns_token_session_and_staff(client, demo):
    body = login(client, "DEMO01-G1")
    assert body["staff"]["role"] == "guard"
    assert body["staff"]["branch_id"] == demo["branch_id"]
    assert body["token"] and body["session_id"] and body["expires_at"].endswith("Z")  # one time format on the wire (#11)


def test_unknown_user_and_wrong_password_get_the_same_401(client, demo):
    wrong = client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": "nope"})
    unknown = client.post("/api/auth/login", json={"employee_no": "NOBODY", "password": "nope"})
    a, b = _problem(wrong, 401, "invalid_credentials"), _problem(unknown, 401, "invalid_credentials")
    assert {k: v for k, v in a.items() if k != "instance"} == {k: v for k, v in b.items() if k != "instance"}


def test_unknown_user_costs_about_as_long_as_a_wrong_password(client, demo):
    def fastest(employee_no: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            client.post("/api/auth/login", json={"employee_no": employee_no, "password": "bad"})
            times.append(time.perf_counter() - start)
        return min(times)

    known, unknown = fastest("DEMO01-T1"), fastest("NOBODY-1")
    # Without the dummy hash an unknown number answers ~50x faster; allow noise from a busy machine.
    assert 0.3 < unknown / known < 3.5, (known, unknown)


def test_inactive_staff_cannot_log_in(app, client, demo):
    from server.models.org import Staff

    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.employee_no == "DEMO01-C1"))
        staff.active = False
        db.session.commit()
    _problem(client.post("/api/auth/login", json={"employee_no": "DEMO01-C1", "password": DEMO_PASSWORD}), 401, "invalid_credentials")


def test_token_is_stored_only_as_a_hash(app, client, demo):
    token = login(client, "DEMO01-G1")["token"]
    with app.app_context():
        stored = db.session.scalars(select(DeviceSession.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_login_throttled_after_five_failures_even_with_right_password(client, demo, clock):
    for _ in range(5):
        _problem(client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": "x"}), 401, "invalid_credentials")
    resp = client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": DEMO_PASSWORD})
    body = _problem(resp, 429, "too_many_attempts")
    assert int(resp.headers["Retry-After"]) == body["retry_after"] > 0
    # another employee number is not affected
    assert client.post("/api/auth/login", json={"employee_no": "DEMO01-G2", "password": DEMO_PASSWORD}).status_code == 200
    clock.advance(minutes=15, seconds=1)
    assert client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": DEMO_PASSWORD}).status_code == 200


def test_throttling_holds_across_server_processes(app, client, demo, db_url, clock):
    """A second app on the same database (another process/host) sees the same failures."""
    other_app = create_app({"database_url": db_url, "testing": True, "secret_key": "test-secret"}, clock=clock)
    other = other_app.test_client()
    for i in range(5):
        c = client if i % 2 else other
        c.post("/api/auth/login", json={"employee_no": "DEMO01-T1", "password": "x"})
    _problem(other.post("/api/auth/login", json={"employee_no": "DEMO01-T1", "password": DEMO_PASSWORD}), 429, "too_many_attempts")
    _problem(client.post("/api/auth/login", json={"employee_no": "DEMO01-T1", "password": DEMO_PASSWORD}), 429, "too_many_attempts")
    with other_app.app_context():
        db.engine.dispose()


def test_throttling_in_redis_when_configured(app, client, demo, redis_url):
    app.extensions["settings"] = app.extensions["settings"].with_overrides(redis_url=redis_url)
    for _ in range(5):
        _problem(client.post("/api/auth/login", json={"employee_no": "DEMO01-LM1", "password": "x"}), 401, "invalid_credentials")
    _problem(client.post("/api/auth/login", json={"employee_no": "DEMO01-LM1", "password": DEMO_PASSWORD}), 429, "too_many_attempts")
    with app.app_context():
        from server.models.org import LoginFailure

        assert db.session.scalar(select(db.func.count(LoginFailure.id))) == 0  # kept in Redis, not the DB


def test_logout_revokes_the_calling_token_at_once(as_role):
    guard = as_role("guard")
    assert guard.post("/api/auth/logout").status_code == 204
    _problem(guard.get("/api/sessions"), 401, "unauthenticated")
    _problem(guard.post("/api/auth/logout"), 401, "unauthenticated")


@pytest.mark.parametrize(
    "role,expected",
    [("operations_manager", 200), ("admin", 200), ("guard", 403), ("lobby_manager", 403), ("teller", 403)],
)
def test_who_may_revoke_a_branch_session(as_role, role, expected):
    target = as_role("guard", index=1)
    actor = as_role(role)
    # find the target's session via a revoker's listing
    lister = as_role("operations_manager")
    sessions = lister.get("/api/sessions").get_json()["sessions"]
    sid = next(s["id"] for s in sessions if s["staff_id"] == target.staff["id"])
    resp = actor.post(f"/api/sessions/{sid}/revoke")
    assert resp.status_code == expected, resp.get_json()
    if expected == 200:
        assert resp.get_json()["revoked_at"]
        _problem(target.post("/api/auth/logout"), 401, "unauthenticated")
    else:
        _problem(resp, 403, "forbidden")
        assert target.get("/api/openapi.json").status_code == 200


def test_revoking_another_branchs_session_is_not_found(app, client, as_role, clock):
    from server.services.demo import seed_demo

    with app.app_context():
        seed_demo(DEMO_PASSWORD, clock.now(), code="DEMO02")
    other = login(client, "DEMO02-G1")
    om = as_role("operations_manager")
    _problem(om.post(f"/api/sessions/{other['session_id']}/revoke"), 404, "not_found")


def test_expired_token_is_unauthenticated(as_role, clock, app):
    guard = as_role("guard")
    clock.advance(days=app.extensions["settings"].token_ttl_days, seconds=1)
    _problem(guard.post("/api/auth/logout"), 401, "unauthenticated")


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer not-a-token", "Basic abc", "bearer"])
def test_missing_or_unknown_token_is_401(client, demo, header):
    headers = {"Authorization": header} if header is not None else {}
    _problem(client.post("/api/auth/logout", headers=headers), 401, "unauthenticated")


def test_login_input_errors_are_422_with_field_errors(client, demo):
    body = _problem(client.post("/api/auth/login", json={"employee_no": ""}), 422, "validation_failed")
    assert set(body["errors"]) == {"employee_no", "password"}
    _problem(client.post("/api/auth/login", json=["x"]), 422, "validation_failed")


def _commit_elsewhere_after(app, marker):
    """After the first statement containing ``marker``, another connection commits a write:
    the interleaving that made SQLite answer "database is locked" to a read-then-write."""
    from sqlalchemy import event, text

    with app.app_context():
        engine = db.engine
    fired = []

    def after(conn, cursor, statement, *args):
        if marker in statement and not fired:
            fired.append(statement)
            with engine.connect() as other:
                other.execute(text("INSERT INTO login_failure (employee_no, at) VALUES ('someone-else', '2026-01-01 00:00:00')"))
                other.commit()

    event.listen(engine, "after_cursor_execute", after)
    return fired


def test_login_survives_a_concurrent_writer(app, client, demo):
    fired = _commit_elsewhere_after(app, "FROM staff")
    assert client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": DEMO_PASSWORD}).status_code == 200
    assert fired
    resp = client.post("/api/auth/login", json={"employee_no": "DEMO01-G1", "password": "wrong"})
    assert resp.status_code == 401


def test_authentication_survives_a_concurrent_writer(app, client, demo, clock):
    token = login(client, "DEMO01-G1")["token"]
    clock.advance(minutes=5)  # last_seen_at is due for an update
    fired = _commit_elsewhere_after(app, "FROM device_session")
    assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert fired


def test_rest_writes_take_the_sqlite_write_lock_before_their_reads(app, as_role, demo, statements):
    """Every authenticated write route starts its transaction as a writer (SQLite:
    BEGIN IMMEDIATE), so its reads cannot go stale before its write; reads stay shared."""
    om = as_role("operations_manager")
    with app.app_context():
        engine = db.engine
    url = f"/api/branches/{demo['branch_id']}/checkpoints"
    with statements() as seen:
        assert om.post(url, json={"area": "lobby", "name_zh": "大厅", "name_en": "Lobby"}).status_code == 201
    insert = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO checkpoint"))
    begins = [s for s in seen[:insert] if s.startswith("BEGIN")]
    if engine.dialect.name == "sqlite":
        assert begins[-1] == "BEGIN IMMEDIATE"
        with statements() as seen:
            assert om.get(url).status_code == 200
        assert "BEGIN IMMEDIATE" not in seen
    else:
        assert not begins  # PostgreSQL: psycopg begins implicitly; rows are locked, not the database


def test_the_api_sets_no_session_cookie(as_role, app):
    """Bearer tokens only: no per-request cookie session is opened or sent (#3)."""
    from flask.sessions import NullSession

    guard = as_role("guard")
    resp = guard.get("/api/sessions")
    assert "Set-Cookie" not in resp.headers
    with app.test_request_context("/"):
        from flask import session

        assert isinstance(session._get_current_object(), NullSession)


@pytest.mark.parametrize("lost", ["revoked", "expired", "inactive"])
def test_sync_refuses_a_lost_session_at_the_next_request(as_role, app, clock, lost):
    """Push and pull read the session and staff row on every request (no cache): the
    request after a revocation, an expiry or a deactivation is 401 (sync-protocol "Sessions")."""
    import uuid

    from server.models.org import Staff

    guard = as_role("guard")
    client_id = str(uuid.uuid4())
    pull = {"client_id": client_id, "protocol": 1, "cursor": None}
    push = {"client_id": client_id, "protocol": 1, "sent_at": clock.now().isoformat(), "mutations": []}
    assert guard.post("/api/sync/pull", json=pull).status_code == 200
    assert guard.post("/api/sync/push", json=push).status_code == 200
    if lost == "expired":
        clock.advance(days=app.extensions["settings"].token_ttl_days, seconds=1)
    else:
        with app.app_context():
            if lost == "revoked":
                session = db.session.scalar(select(DeviceSession).where(DeviceSession.staff_id == uuid.UUID(guard.staff["id"])))
                session.revoked_at = clock.now()
            else:
                db.session.get(Staff, uuid.UUID(guard.staff["id"])).active = False
            db.session.commit()
    _problem(guard.post("/api/sync/pull", json=pull), 401, "unauthenticated")
    _problem(guard.post("/api/sync/push", json=push), 401, "unauthenticated")


def _login(client, employee_no, password, addr, device_key=None):
    body = {"employee_no": employee_no, "password": password}
    if device_key is not None:
        body["device_key"] = device_key
    return client.post("/api/auth/login", json=body, environ_base={"REMOTE_ADDR": addr})


def test_wrong_passwords_from_one_device_do_not_lock_the_owner_out(client, demo):
    """#12: a contractor's phone on the branch wifi hammers the operations manager's number."""
    own = _login(client, "DEMO01-OM1", DEMO_PASSWORD, "10.0.0.5")
    assert own.status_code == 200
    key = own.get_json()["device_key"]
    assert len(key) >= 40
    for _ in range(5):
        _problem(_login(client, "DEMO01-OM1", "guess", "10.0.0.66"), 401, "invalid_credentials")
    _problem(_login(client, "DEMO01-OM1", DEMO_PASSWORD, "10.0.0.66"), 429, "too_many_attempts")
    # The same address with another key that never signed in to this account is the address.
    other_key = _login(client, "DEMO01-G1", DEMO_PASSWORD, "10.0.0.66").get_json()["device_key"]
    _problem(_login(client, "DEMO01-OM1", DEMO_PASSWORD, "10.0.0.66", other_key), 429, "too_many_attempts")
    # The manager's phone, which signed in before, gets through from the very same address.
    again = _login(client, "DEMO01-OM1", DEMO_PASSWORD, "10.0.0.66", key)
    assert again.status_code == 200 and again.get_json()["device_key"] == key
    # So does a new device elsewhere: failures count per account and source.
    assert _login(client, "DEMO01-OM1", DEMO_PASSWORD, "10.0.0.7").status_code == 200


def test_a_known_device_is_throttled_on_its_own(client, demo, clock):
    key = _login(client, "DEMO01-AD1", DEMO_PASSWORD, "10.0.0.5").get_json()["device_key"]
    for _ in range(5):
        _problem(_login(client, "DEMO01-AD1", "guess", "10.0.0.5", key), 401, "invalid_credentials")
    _problem(_login(client, "DEMO01-AD1", DEMO_PASSWORD, "10.0.0.5", key), 429, "too_many_attempts")
    assert _login(client, "DEMO01-AD1", DEMO_PASSWORD, "10.0.0.5").status_code == 200  # the address is clean
    clock.advance(minutes=15, seconds=1)
    assert _login(client, "DEMO01-AD1", DEMO_PASSWORD, "10.0.0.5", key).status_code == 200
