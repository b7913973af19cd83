"""The migrations make exactly the sync_* tables the engine's metadata describes (0002
makes them; 0009 adds the rejected-mutation bound's columns to ``sync_client``).

``flask db`` runs in a subprocess: Alembic's env.py reconfigures logging (it would
disable this process's loggers) and warns about Flask-SQLAlchemy's ``get_engine``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from sync import store
from sync.schema import metadata

ROOT = Path(__file__).resolve().parents[2]
SYNC_TABLES = sorted(t for t in metadata.tables if t.startswith("sync_") and t != "sync_test_note")


def flask_db(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "k", "FLASK_APP": "wsgi.py"}
    subprocess.run([sys.executable, "-m", "flask", "db", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def _check(url: str) -> None:
    flask_db(url, "upgrade", "heads")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        found = inspect(engine)
        assert sorted(t for t in found.get_table_names() if t.startswith("sync_")) == SYNC_TABLES
        for name in SYNC_TABLES:
            cols = {c["name"] for c in found.get_columns(name)}
            assert cols == set(metadata.tables[name].columns.keys()), name
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, seq, horizon_seq FROM sync_counter")).all() == [(1, 0, 0)]
        # The page statements name this index (SQLite: INDEXED BY); they run on the migrated schema.
        assert "ix_sync_change_audience_seq" in {i["name"] for i in found.get_indexes("sync_change")}
        with Session(engine) as session:
            assert store.page(session, ["a"], 0, 10) == store.page(session, ["a", "b", "c"], 0, 10) == []
        flask_db(url, "downgrade", "0001")
        assert not [t for t in inspect(engine).get_table_names() if t.startswith("sync_")]
    finally:
        engine.dispose()


def test_sync_tables_upgrade_and_downgrade_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'm.sqlite3'}")


def test_sync_tables_upgrade_and_downgrade_on_postgresql(pg_database):
    base = pg_database.rsplit("/", 1)[0]
    name = f"fieldops_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base + "/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _check(f"{base}/{name}".replace("postgresql+psycopg://", "postgresql://"))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
