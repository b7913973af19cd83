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
- ``POST /contract``: the same, but the three rows the contract asks of each applied
  mutation, each table in one ``executemany``, in one transaction: the mutation log row
  (raw text, status, result, times), the record (the incident's columns, times included)
  and its feed row (the record's JSON, seqs taken under a counter row's lock). No
  savepoint, no handler, no duplicate or gap check, no SQLAlchemy per row: a lower bound
  of a push that keeps the contract, not an implementation of it.

``DATABASE_URL`` is ``sqlite:///…`` or ``postgresql://…``; ``BENCH_SERVER_ROOT`` is the
project root (for the schema).
"""
from __future__ import annotations

import json
import os
import sys
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, request
from sqlalchemy import create_engine, event

sys.path.insert(0, os.environ["BENCH_SERVER_ROOT"])

import hello  # noqa: E402  (bench/hello.py: gunicorn and floor.py run from bench/)
from server.schemas.incident import IncidentReportArgs  # noqa: E402

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

# ``floor.py`` imports this module once before gunicorn starts, so the tables exist before
# two workers would race to create them; here it is then a no-op.
with engine.begin() as conn:
    for ddl in (
        "CREATE TABLE IF NOT EXISTS floor_log (client_id VARCHAR(36), id INTEGER, name VARCHAR(64), body TEXT)",
        "CREATE TABLE IF NOT EXISTS floor_mutation (client_id VARCHAR(36), mutation_id BIGINT, name VARCHAR(200), "
        "raw TEXT, status VARCHAR(16), result TEXT, at VARCHAR(32), received_at VARCHAR(32), "
        "PRIMARY KEY (client_id, mutation_id))",
        "CREATE TABLE IF NOT EXISTS floor_record (id VARCHAR(36) PRIMARY KEY, branch_id VARCHAR(36), "
        "reported_by VARCHAR(36), category VARCHAR(32), location VARCHAR(200), description TEXT, "
        "severity VARCHAR(16), status VARCHAR(16), device_at VARCHAR(32), received_at VARCHAR(32), "
        "happened_at VARCHAR(32), skew_ms BIGINT, clock_suspect BOOLEAN)",
        "CREATE INDEX IF NOT EXISTS ix_floor_record_branch ON floor_record (branch_id)",
        "CREATE TABLE IF NOT EXISTS floor_feed (seq BIGINT UNIQUE, entity VARCHAR(64), record_id VARCHAR(64), "
        "audience VARCHAR(200), op VARCHAR(8), data TEXT, changed_at VARCHAR(32), "
        "PRIMARY KEY (entity, record_id, audience))",
        "CREATE INDEX IF NOT EXISTS ix_floor_feed_audience_seq ON floor_feed (audience, seq)",
        "CREATE TABLE IF NOT EXISTS floor_counter (id INTEGER PRIMARY KEY, seq BIGINT)",
    ):
        conn.exec_driver_sql(ddl)
    conn.exec_driver_sql("INSERT INTO floor_counter VALUES (1, 0) ON CONFLICT DO NOTHING")

SCHEMA = IncidentReportArgs()


def _sql(statement: str) -> str:
    return statement if SQLITE else statement.replace("?", "%s")


INSERT = _sql("INSERT INTO floor_log VALUES (?, ?, ?, ?)")
INSERT_MUTATION = _sql("INSERT INTO floor_mutation VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_RECORD = _sql("INSERT INTO floor_record VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_FEED = _sql("INSERT INTO floor_feed VALUES (?, ?, ?, ?, ?, ?, ?)")
TAKE_SEQS = _sql("UPDATE floor_counter SET seq = seq + ? WHERE id = 1 RETURNING seq")
BRANCH, STAFF = str(uuid.uuid4()), str(uuid.uuid4())
app = Flask(__name__)


def _json(obj: object) -> Response:
    return Response(json.dumps(obj, separators=(",", ":")), mimetype="application/json")


# The baseline's own view functions (bench/hello.py, beside this file), served by this app.
app.add_url_rule("/hello", view_func=hello.hello)
app.add_url_rule("/healthz", view_func=hello.healthz)


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


@app.post("/contract")
def contract() -> Response:
    body = json.loads(request.get_data())
    received = datetime.now(timezone.utc)
    sent = datetime.fromisoformat(body["sent_at"])
    skew = received - sent
    now = received.isoformat()
    mutations, records, feed, results = [], [], [], []
    for m in body["mutations"]:
        args = SCHEMA.load(m["args"])
        at = datetime.fromisoformat(m["at"])
        happened = (at + skew).isoformat()
        record_id = str(args["incident_id"])
        record = {"id": record_id, "branch_id": BRANCH, "reported_by": STAFF, "category": args["category"],
                  "location": args["location"], "description": args["description"], "severity": args["severity"],
                  "status": "open", "device_at": at.isoformat(), "received_at": now, "happened_at": happened,
                  "skew_ms": int(skew.total_seconds() * 1000), "clock_suspect": abs(skew.total_seconds()) > 120}
        records.append(tuple(record.values()))
        feed.append(["incident", record_id, f"{BRANCH}/guard", "put", json.dumps(record), now])
        result = {"id": m["id"], "status": "applied"}
        mutations.append((body["client_id"], m["id"], m["name"], json.dumps(m), "applied", json.dumps(result),
                          at.isoformat(), now))
        results.append(result)
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        if SQLITE:
            cur.execute("BEGIN IMMEDIATE")
        cur.executemany(INSERT_MUTATION, mutations)
        cur.executemany(INSERT_RECORD, records)
        cur.execute(TAKE_SEQS, (len(feed),))
        last = cur.fetchone()[0]
        cur.executemany(INSERT_FEED, [(last - len(feed) + k + 1, *row) for k, row in enumerate(feed)])
        cur.close()
        conn.commit()
    finally:
        conn.close()
    return _json({"last_mutation_id": results[-1]["id"], "results": results})
