"""Fixtures that compose like flaskr's: clock -> app -> client -> as_role.

Every test that asks for ``app`` runs on SQLite **and** PostgreSQL. PostgreSQL tests use
a database of their own per test worker on 127.0.0.1:5432, made and dropped here; when
it cannot be reached they fail under ``CI`` and are skipped (with the reason) elsewhere.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, event, text

from server import create_app
from server.clock import FixedClock
from server.extensions import db
from tests.support.device import device_of

# Property tests judge what they generate, not how fast a shared 2-core machine generates it:
# under load Hypothesis's "too slow" health check failed a green test (#11 landing).
settings.register_profile("fieldops", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fieldops")

PG_ADMIN_URL = os.environ.get("FIELDOPS_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEMO_PASSWORD = "demo-pass-1"
#: 10:00 in Asia/Shanghai on the project's reference day.
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test process; dropped at the end."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"fieldops_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_pg_schema_ready: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """The database URL of this test: a new SQLite file, or the worker's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of this test worker's own, emptied before and after; fails under
    ``CI`` when Redis is unreachable, skips (with the reason) elsewhere."""
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, … under xdist
    index = 14 - int(worker[2:]) % 14 if worker.startswith("gw") else 15
    url = f"redis://127.0.0.1:6379/{index}"
    conn = redis.Redis.from_url(url)
    try:
        conn.ping()
    except redis.RedisError as exc:
        conn.close()
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required under CI and unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    conn.flushdb()
    yield url
    conn.flushdb()
    conn.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def app(db_url: str, clock: FixedClock, tmp_path: Any, app_overrides: dict[str, Any]) -> Iterator[Any]:
    """An app on a fresh schema (SQLite: new file; PostgreSQL: tables emptied)."""
    overrides = {"database_url": db_url, "testing": True, "secret_key": "test-secret", "photo_dir": str(tmp_path / "photos")}
    overrides.update(app_overrides)
    application = create_app(overrides, clock=clock)
    with application.app_context():
        if db_url.startswith("postgresql"):
            if db_url not in _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready.add(db_url)
            _truncate_all()
        else:
            db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def statements(app: Any) -> Any:
    """The one query counter: ``with statements() as seen:`` collects the SQL the app's
    engine runs inside the block (transaction control included: filter what you need)."""

    @contextlib.contextmanager
    def record() -> Iterator[list[str]]:
        seen: list[str] = []

        def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            seen.append(" ".join(statement.split()))

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", note)

    return record


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def demo(app: Any) -> dict[str, Any]:
    """The demo branch (``flask seed-demo``'s JSON), all passwords ``DEMO_PASSWORD``."""
    from server.services.demo import seed_demo

    with app.app_context():
        return seed_demo(DEMO_PASSWORD, app.extensions["clock"].now())


class RoleClient:
    """A test client that sends one staff member's bearer token."""

    def __init__(self, client: Any, token: str, staff: dict[str, Any]) -> None:
        self.client, self.token, self.staff = client, token, staff
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str) -> Any:
        call = getattr(self.client, method)

        def send(*args: Any, **kwargs: Any) -> Any:
            kwargs["headers"] = {**self.headers, **kwargs.get("headers", {})}
            return call(*args, **kwargs)

        return send


def login(client: Any, employee_no: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    resp = client.post("/api/auth/login", json={"employee_no": employee_no, "password": password})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.fixture
def as_role(client: Any, demo: dict[str, Any]) -> Any:
    """``as_role("guard")`` -> a :class:`RoleClient` of the first demo account with that role;
    ``as_role("guard", index=1)`` the second."""

    def make(role: str, index: int = 0) -> RoleClient:
        matches = [no for no, acc in demo["accounts"].items() if acc["role"] == role]
        if len(matches) <= index:
            raise LookupError(f"the demo has no {role} #{index}")
        body = login(client, matches[index])
        return RoleClient(client, body["token"], body["staff"])

    return make


# Push and pull through the real sync engine as a role, and a guard's shift.
@pytest.fixture
def push() -> Any:
    """``push(role_client, [(name, args) | (name, args, at)], sent_at=None)`` -> results,
    through the role client's one device (``tests/support/device.py``)."""

    def send(role_client: Any, mutations: list[tuple], *, sent_at: datetime | None = None) -> list[dict[str, Any]]:
        device = device_of(role_client)
        batch = [device.mutation(item[0], item[1], item[2] if len(item) > 2 else None) for item in mutations]
        return device.push(*batch, sent_at=sent_at)["results"]

    return send


@pytest.fixture
def pull() -> Any:
    """``pull(role_client)`` -> ``{(entity, id): data}``: what the role's device holds."""

    def fetch(role_client: Any) -> dict[tuple[str, str], dict]:
        device = device_of(role_client)
        device.sync()
        return dict(device.copy)

    return fetch


@pytest.fixture
def on_shift(push: Any, clock: Any) -> Any:
    """``on_shift(guard, at=None)`` starts a security shift through ``shift.start``."""

    def start(role_client: Any, at: datetime | None = None) -> str:
        shift_id = str(uuid.uuid4())
        [res] = push(role_client, [("shift.start", {"shift_id": shift_id, "post": "security"}, at or clock.now() - timedelta(hours=1))])
        assert res["status"] == "applied", res
        return shift_id

    return start


@pytest.fixture
def off_shift(push: Any) -> Any:
    """``off_shift(guard, shift_id, at)`` ends a shift through ``shift.end``."""

    def end(role_client: Any, shift_id: str, at: datetime) -> None:
        [res] = push(role_client, [("shift.end", {"shift_id": shift_id}, at)])
        assert res["status"] == "applied", res

    return end
