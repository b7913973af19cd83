"""Every error answers application/problem+json with a stable code (issue #2)."""
from __future__ import annotations

import pytest


def _assert_problem(resp, status, code):
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == code
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail", "code", "instance"}
    text = resp.get_data(as_text=True)
    assert "<html" not in text.lower() and "Traceback" not in text
    return body


def test_malformed_json_is_400_invalid_json(client, demo):
    resp = client.post("/api/auth/login", data="{not json", content_type="application/json")
    _assert_problem(resp, 400, "invalid_json")


def test_non_json_content_type_is_415_unsupported_media_type(client, demo):
    resp = client.post("/api/auth/login", data="employee_no=x", content_type="application/x-www-form-urlencoded")
    _assert_problem(resp, 415, "unsupported_media_type")


@pytest.mark.parametrize("path", ["/nope", "/api/nope", "/api/sessions/not-a-uuid/revoke"])
def test_unknown_route_is_404(client, path):
    _assert_problem(client.post(path), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    resp = client.delete("/api/auth/login")
    body = _assert_problem(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"] and "POST" in body["allowed"]


def test_oversized_body_is_413_too_large(app, client):
    limit = app.extensions["settings"].max_body_bytes
    resp = client.post("/api/auth/login", data=b"x" * (limit + 1), content_type="application/json")
    _assert_problem(resp, 413, "too_large")


def test_missing_token_is_401(client):
    _assert_problem(client.get("/api/sessions"), 401, "unauthenticated")


def test_unhandled_exception_is_a_generic_500_problem(app, client, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    resp = client.get("/boom")
    body = _assert_problem(resp, 500, "server_error")
    assert "secret internals" not in resp.get_data(as_text=True)
    assert body["request_id"] and resp.headers["X-Request-Id"] == body["request_id"]
    assert any("request_id=" + body["request_id"] in r.getMessage() for r in caplog.records)


def test_healthz_reports_503_when_the_database_is_gone(tmp_path, clock):
    from server import create_app

    app = create_app({"database_url": f"sqlite:///{tmp_path}/missing/dir/x.db", "testing": True, "secret_key": "s"}, clock=clock)
    _assert_problem(app.test_client().get("/healthz"), 503, "database_unavailable")


@pytest.mark.postgres_only
def test_a_request_that_gets_no_database_connection_in_time_is_503_busy(pg_database, tmp_path, clock):
    """With every pooled connection taken (a burst of re-polls, #16), a request waits
    ``db_pool_timeout_seconds`` and is answered 503 ``busy`` with when to come back: not a
    30-second stall ending in a 500. A freed connection serves the next request."""
    import time

    from server import create_app
    from server.extensions import db

    app = create_app({"database_url": pg_database, "testing": True, "secret_key": "s", "photo_dir": str(tmp_path),
                      "db_pool_size": 1, "db_pool_overflow": 0, "db_pool_timeout_seconds": 1,
                      "sync_retry_after_ms": 4000}, clock=clock)
    with app.app_context():
        db.create_all()
        held = db.engine.connect()
    try:
        started = time.monotonic()
        resp = app.test_client().post("/api/auth/login", json={"employee_no": "X1", "password": "p" * 12})
        elapsed = time.monotonic() - started
        body = _assert_problem(resp, 503, "busy")
        assert body["retry_after_ms"] == 4000 and resp.headers["Retry-After"] == "4"
        assert 0.9 < elapsed < 5
    finally:
        held.close()
    assert app.test_client().post("/api/auth/login", json={"employee_no": "X1", "password": "p" * 12}).status_code == 401
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
