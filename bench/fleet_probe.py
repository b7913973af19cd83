"""The probes of ``bench/fleet.py`` (#16), run in a process of their own.

A health check, a login or a push reaches a host from elsewhere (the load balancer, a
phone that is not one of the waiting fleet), so its latency is the server's alone. Timed
inside the fleet's own asyncio loop, it also held the loop's lag behind every answered
long poll: a burst of answers delays the probe's read as much as a busy worker does
(``fleet.py`` records that lag beside the probes, as ``loop_lag``). Here each probe is
one blocking request on a new connection (``Connection: close``), timed by this process.
"""
from __future__ import annotations

import http.client
import json
import time
import uuid
from datetime import datetime, timezone

HOST = "127.0.0.1"


def push_body(mutations: int) -> dict:
    """A push of ``mutations`` new ``incident.report`` from a new client."""
    at = datetime.now(timezone.utc).isoformat()
    return {"client_id": str(uuid.uuid4()), "protocol": 1, "sent_at": at, "mutations": [
        {"id": i + 1, "name": "incident.report", "at": at, "args": {
            "incident_id": str(uuid.uuid4()), "category": "equipment", "location": "ATM 2",
            "description": "fleet bench", "severity": "low"}} for i in range(mutations)]}


def _call(port: int, method: str, path: str, body: object, token: str | None, timeout: float) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def probe(port: int, name: str, samples: int, *, guard: str, password: str, token: str,
          timeout: float, seconds: float) -> tuple[list[float], int]:
    """``samples`` requests of kind ``name`` one after the other (fewer when they take
    longer than ``seconds`` in all): each one's seconds, and how many failed."""
    calls = {
        "healthz": lambda: _call(port, "GET", "/healthz", None, None, timeout),
        "login": lambda: _call(port, "POST", "/api/auth/login", {"employee_no": guard, "password": password},
                               None, timeout),
        "push": lambda: _call(port, "POST", "/api/sync/push", push_body(10), token, timeout),
    }
    call = calls[name]
    took: list[float] = []
    failed = 0
    box = time.monotonic() + seconds  # a starved host must not stall the run
    for _ in range(samples):
        if took and time.monotonic() > box:
            break
        t0 = time.monotonic()
        try:
            status = call()
        except OSError:
            status = 0
        took.append(time.monotonic() - t0)
        failed += status != 200
    return took, failed
