"""Headers every answer carries, set once in server/headers.py (#12 "Headers", "Errors
that are not problem+json")."""
from __future__ import annotations

import re

import pytest


def _secure(resp):
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp and not re.search(r"script-src[^;]*unsafe-inline", csp)
    return csp


@pytest.mark.parametrize("path", ["/healthz", "/api/openapi.json", "/api/sessions", "/nope", "/api/docs"])
def test_every_answer_carries_the_security_headers(client, path):
    _secure(client.get(path))


def test_docs_page_runs_under_the_csp_with_its_script_from_a_file(client):
    page = client.get("/api/docs")
    _secure(page)
    html = page.get_data(as_text=True)
    assert not re.search(r"<script>(?!</script>)", html)  # no inline script: script-src 'self' allows none
    scripts = re.findall(r'<script src="([^"]+)"', html)
    init = client.get(scripts[-1])
    assert init.status_code == 200 and 'validatorUrl: "none"' in init.get_data(as_text=True)
    for asset in scripts:
        resp = client.get(asset)
        assert resp.status_code == 200
        resp.close()


def test_logout_204_has_no_content_type(as_role):
    guard = as_role("guard")
    resp = guard.post("/api/auth/logout")
    assert resp.status_code == 204 and "Content-Type" not in resp.headers and resp.data == b""


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/sync/push", "/healthz"])
def test_options_is_204_with_allow_and_never_html(client, path):
    resp = client.options(path)
    assert resp.status_code == 204 and "Content-Type" not in resp.headers
    assert resp.headers["Allow"]
    assert client.options("/nope").mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/docs/assets//etc/passwd", "/api//sessions", "/api/docs/"])
def test_no_redirect_takes_its_location_from_the_host_header(client, path):
    resp = client.get(path, headers={"Host": "evil.example"})
    assert not 300 <= resp.status_code < 400 and "Location" not in resp.headers
    if path != "/api/docs/":  # the docs page itself, matched as sent
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    resp.close()


def test_a_value_the_view_set_is_kept_whatever_its_case(app):
    """A view's own value of one of these headers is kept, and not doubled, however it
    spelled the name (HTTP names are case-insensitive)."""
    from flask import Response

    from server.headers import secure

    with app.test_request_context("/api/sync/pull", method="POST"):
        resp = secure(Response(b"{}", headers={"x-frame-options": "SAMEORIGIN",
                                               "Content-Security-Policy": "default-src 'none'"}))
    assert resp.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert resp.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert resp.headers["Referrer-Policy"] == "no-referrer" and resp.headers["X-Content-Type-Options"] == "nosniff"
