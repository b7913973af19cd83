"""server/access_log.py: the access line is gunicorn's own, atom for atom (#16)."""
from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from server.access_log import AccessLogger, Atoms

from tests.server.hosts import ROOT, Host

FORMATS = [
    None,  # gunicorn's default
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(B)s "%(f)s" "%(a)s" %(m)s %(U)s %(q)s %(H)s %(T)s %(D)s %(M)s %(L)s %(p)s',
    '%({x-request-id}i)s %({X-Request-Id}i)s %({content-type}o)s %({raw_uri}e)s %({nope}i)s %(nope)s %({bad}x)s',
]


def _request(user_agent: str = 'phone "7"') -> tuple:
    environ = {"REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "POST", "RAW_URI": "/api/sync/pull?x=1",
               "PATH_INFO": "/api/sync/pull", "QUERY_STRING": "x=1", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_USER_AGENT": user_agent, "HTTP_AUTHORIZATION": "Basic Z3VhcmQ6cHc="}
    req = SimpleNamespace(headers=[("X-REQUEST-ID", "a1"), ("USER-AGENT", user_agent), ("X-REQUEST-ID", "a2")])
    resp = SimpleNamespace(status="200 OK", sent=1234, headers=[("Content-Type", "application/json")])
    return resp, req, environ, timedelta(seconds=2, microseconds=345678)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_line_is_gunicorns(fmt, monkeypatch):
    cfg = Config()
    if fmt is not None:
        cfg.set("access_log_format", fmt)
    ours, theirs = AccessLogger(cfg), Logger(cfg)
    for log in (ours, theirs):
        monkeypatch.setattr(log, "now", lambda: "[03/Dec/2026:15:00:00 +0000]")
    resp, req, environ, took = _request()
    expected = cfg.access_log_format % SafeAtoms(theirs.atoms(resp, req, environ, took))
    assert cfg.access_log_format % Atoms(ours, resp, req, environ, took) == expected
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, cfg.access_log_format,
                               (Atoms(ours, resp, req, environ, took),), None)
    assert record.getMessage() == expected  # logging takes it as the format's mapping


def test_the_production_server_writes_gunicorns_line(tmp_path):
    """``gunicorn.conf.py`` names the logger: a request to the real server leaves the
    line of gunicorn's default format in ``FIELDOPS_ACCESS_LOG``."""
    host = Host(f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "instance")
    host.flask("db", "upgrade")
    log = tmp_path / "access.log"
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env={**host.env, "FIELDOPS_ACCESS_LOG": str(log)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    host.proc = proc
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if host.request("GET", "/healthz?probe=1", headers={"User-Agent": 'lb "1"'}, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.2)
    finally:
        host.stop()
    line = log.read_text().splitlines()[-1]
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "GET /healthz\?probe=1 HTTP/1\.1" 200 \d+ "-" "lb \\"1\\""',
                        line), line
