"""A tiny JSON-over-HTTP helper for set-up steps (never used to measure)."""
from __future__ import annotations

import base64
import http.client
import json
from typing import Any


class Http:
    def __init__(self, host: str, port: int, timeout: float = 120.0) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             expect: tuple[int, ...] = (200, 201)) -> tuple[int, dict[str, str], Any]:
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: set-up calls are safe to
            # send again (pushes are idempotent by mutation id).
            self.conn.close()
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
        raw = resp.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        if expect and resp.status not in expect:
            raise RuntimeError(f"{method} {path} -> {resp.status}: {str(payload)[:500]}")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload

    def close(self) -> None:
        self.conn.close()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
