"""The Alembic history builds the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from server import create_app
from server.extensions import db
from tests.conftest import PG_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path):
    """A database with nothing in it (PostgreSQL: made for this test, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    request.getfixturevalue("pg_database")  # fails under CI / skips elsewhere if PG is down
    name = f"fieldops_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reloptions(engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = :t"), {"t": table}).scalar() or [])


def _app(url, clock):
    return create_app({"database_url": url, "testing": True, "secret_key": "s"}, clock=clock)


def test_upgrade_from_empty_matches_the_models(empty_db_url, clock):
    app = _app(empty_db_url, clock)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], diff
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        if db.engine.dialect.name == "postgresql":  # the feed is analyzed and vacuumed often (0004)
            assert _reloptions(db.engine, "sync_change") >= {
                "autovacuum_analyze_threshold=1000", "autovacuum_analyze_scale_factor=0.01"}
            downgrade(revision="0003")
            assert _reloptions(db.engine, "sync_change") == set()
            upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_data_of_the_first_schema_survives_every_upgrade(empty_db_url, clock):
    """Kinto-style: seed the oldest schema with raw rows, upgrade to head, read them back."""
    app = _app(empty_db_url, clock)
    branch_id, staff_id = uuid.uuid4(), uuid.uuid4()
    now = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(
                db.metadata.tables["branch"].insert().values(
                    id=branch_id, code="OLD1", name="旧支行", timezone="Asia/Shanghai", business_hours={}, guarded_hours={},
                    close_of_business={}, settings={"patrol_grace_minutes": 15}, go_live_date=None, created_at=now, updated_at=now,
                )
            )
            conn.execute(
                db.metadata.tables["staff"].insert().values(
                    id=staff_id, employee_no="OLD-1", name="老王", role="guard", branch_id=branch_id, password_hash="x",
                    active=True, created_at=now, updated_at=now,
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            branch = conn.execute(text("SELECT code, name, settings FROM branch")).one()
            staff = conn.execute(text("SELECT employee_no, role FROM staff")).one()
        assert branch[0] == "OLD1" and branch[1] == "旧支行"
        assert staff == ("OLD-1", "guard")
        db.engine.dispose()


def test_0009_republishes_the_staff_feed_without_login_names(empty_db_url, clock):
    """Staff rows of the feed written before 0009 lose employee_no outside the admins'
    audience and reach field colleagues in their new audiences (#12, R-SEC-10)."""
    app = _app(empty_db_url, clock)
    now = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
    branch, guard, teller = uuid.uuid4(), str(uuid.uuid4()), str(uuid.uuid4())
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE sync_counter SET seq = 2 WHERE id = 1"))
            for seq, (sid, role) in enumerate(((guard, "guard"), (teller, "teller")), start=1):
                data = '{"id":"%s","employee_no":"E-%s","name":"n","role":"%s"}' % (sid, role, role)
                conn.execute(text("INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at)"
                                  " VALUES (:seq, 'staff', :id, :aud, 'put', :data, :at)"),
                             {"seq": seq, "id": sid, "aud": f"{branch}/staff", "data": data, "at": now})
        upgrade(revision="0009")
        with db.engine.connect() as conn:
            rows = {(r[0], r[1]): r[2] for r in conn.execute(text(
                "SELECT record_id, audience, data FROM sync_change WHERE entity = 'staff'"))}
            counter = conn.execute(text("SELECT seq FROM sync_counter")).scalar()
        assert set(rows) == {(guard, f"{branch}/staff"), (guard, f"{branch}/staff.login"), (guard, f"{branch}/staff.guard"),
                             (teller, f"{branch}/staff"), (teller, f"{branch}/staff.login")}
        assert all(("employee_no" in data) is key[1].endswith(".login") for key, data in rows.items())
        assert counter == 2 + 5
        downgrade(revision="0007")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT audience, data FROM sync_change WHERE entity = 'staff'")).all()
        assert len(back) == 2 and all("employee_no" in d and a.endswith("/staff") for a, d in back)
        db.engine.dispose()


def test_0009_republishes_incidents_with_a_plain_twin(empty_db_url, clock):
    """An incident a lobby manager reported before 0009 reaches the ``.plain`` audience
    without its text; a guard's keeps it (#12, R-SEC-10)."""
    app = _app(empty_db_url, clock)
    now = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
    branch, lm, guard = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(db.metadata.tables["branch"].insert().values(
                id=branch, code="B1", name="b", timezone="Asia/Shanghai", business_hours={}, guarded_hours={},
                close_of_business={}, settings={}, go_live_date=None, created_at=now, updated_at=now))
            for sid, role in ((lm, "lobby_manager"), (guard, "guard")):
                conn.execute(db.metadata.tables["staff"].insert().values(
                    id=sid, employee_no=role, name=role, role=role, branch_id=branch, password_hash="x",
                    active=True, created_at=now, updated_at=now))
            for n, by in enumerate((lm, guard)):
                iid = uuid.uuid4()
                conn.execute(text(
                    "INSERT INTO incident (id, branch_id, reported_by, category, location, description, severity, status,"
                    " updated_at, device_at, received_at, skew_ms, happened_at, clock_suspect)"
                    " VALUES (:id, :b, :by, 'other', 'lobby', :d, 'low', 'open', :at, :at, :at, 0, :at, :f)"),
                    {"id": iid.hex if db.engine.dialect.name == "sqlite" else iid, "b": branch.hex if db.engine.dialect.name == "sqlite" else branch,
                     "by": by.hex if db.engine.dialect.name == "sqlite" else by, "d": f"text-{n}", "at": now, "f": False})
                conn.execute(text("INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at)"
                                  " VALUES (:seq, 'incident', :id, :aud, 'put', :data, :at)"),
                             {"seq": n + 1, "id": str(iid), "aud": f"{branch}/incident", "at": now,
                              "data": '{"id":"%s","location":"lobby","description":"text-%d","resolution":null}' % (iid, n)})
            conn.execute(text("UPDATE sync_counter SET seq = 2 WHERE id = 1"))
        upgrade(revision="0009")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT audience, data FROM sync_change WHERE entity = 'incident'")).all()
        plain = sorted(d for a, d in rows if a.endswith(".plain"))
        assert len(rows) == 4 and len(plain) == 2
        assert sum('"text-0"' in d for d in plain) == 0 and sum('"text-1"' in d for d in plain) == 1
        downgrade(revision="0007")
        db.engine.dispose()
