"""The floors: what the cheapest possible server of each workload reaches under the same
gunicorn flags, so the targets of the benchmark can be read against what this machine
and this stack allow at all (``bench/floor.py`` drives it).

Routes, each the least any implementation of the contract must do:

- ``GET /hello``: the baseline, as ``hello.py``.
- ``POST /select1``: one round trip to the database on a pooled connection (``SELECT 1``)
  and a JSON answer. Every empty poll that answers from what has committed (the
  contract: "returns every change in scope committed after it") needs at least this.
- ``POST /validate``: parse a push body and load every mutation's args with the real
  ``incident.report`` schema (marshmallow, as the project's stack fixes), answer one
  result per mutation. Nothing is stored.
- ``POST /validate-store``: the same, then one ``executemany`` of the raw mutations into
  one table and a commit. A real push stores at least that (the mutation log) durably.

``DATABASE_URL`` is ``sqlite:///…`` or ``postgresql://…``; ``BENCH_SERVER_ROOT`` is the
project root (for the schema).
"""
from __future__ import annotations

import json
import os
import sys

from flask import Flask, Response, request
from sqlalchemy import create_engine, event

sys.path.insert(0, os.environ["BENCH_SERVER_ROOT"])

from server.schemas.patrol import IncidentReportArgs  # noqa: E402

URL = os.environ["DATABASE_URL"]
if URL.startswith("postgresql://"):
    URL = "postgresql+psycopg://" + URL[len("postgresql://"):]
engine = create_engine(URL, pool_size=16, max_overflow=0)
SQLITE = engine.dialect.name == "sqlite"

if SQLITE:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # the app's own pragmas (server/db_events.py)
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

with engine.begin() as conn:
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS floor_log (client_id VARCHAR(36), id INTEGER, "
                         "name VARCHAR(64), body TEXT)")

SCHEMA = IncidentReportArgs()
INSERT = "INSERT INTO floor_log VALUES (?, ?, ?, ?)" if SQLITE else "INSERT INTO floor_log VALUES (%s, %s, %s, %s)"
app = Flask(__name__)


def _json(obj: object) -> Response:
    return Response(json.dumps(obj, separators=(",", ":")), mimetype="application/json")


@app.get("/hello")
def hello() -> dict:
    return {"hello": "world"}


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/select1")
def select1() -> Response:
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        cur.fetchall()
        cur.close()
        conn.commit()
    finally:
        conn.close()
    return _json({"cursor": "x", "has_more": False, "changes": []})


def _validated() -> tuple[dict, list[dict]]:
    body = json.loads(request.get_data())
    results = []
    for m in body["mutations"]:
        SCHEMA.load(m["args"])
        results.append({"id": m["id"], "status": "applied"})
    return body, results


@app.post("/validate")
def validate() -> Response:
    _, results = _validated()
    return _json({"last_mutation_id": results[-1]["id"], "results": results})


@app.post("/validate-store")
def validate_store() -> Response:
    body, results = _validated()
    rows = [(body["client_id"], m["id"], m["name"], json.dumps(m["args"])) for m in body["mutations"]]
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.executemany(INSERT, rows)
        cur.close()
        conn.commit()
    finally:
        conn.close()
    return _json({"last_mutation_id": results[-1]["id"], "results": results})
