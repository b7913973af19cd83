"""Argon2id profiles (server/services/passwords.py, #16): OWASP's minimum in production;
hashes of the older profile verify and move to it at their next successful login."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from server.extensions import db
from server.models.org import Staff
from server.services import passwords
from tests.conftest import DEMO_PASSWORD, login

#: argon2-cffi's defaults (RFC 9106 low-memory: m=64 MiB, t=3, p=4), the profile before #16.
OLD = PasswordHasher()


@pytest.fixture
def app_overrides():
    return {"testing": False}  # the production profile


def _params(stored: str) -> tuple[int, int, int]:
    p = extract_parameters(stored)
    return p.memory_cost, p.time_cost, p.parallelism


def _add_staff(app, employee_no: str, password_hash: str) -> None:
    with app.app_context():
        now = app.extensions["clock"].now()
        db.session.add(Staff(employee_no=employee_no, name="Old Hash", role="regional_officer", branch_id=None,
                             password_hash=password_hash, active=True, created_at=now, updated_at=now))
        db.session.commit()


def _stored(app, employee_no: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Staff.password_hash).where(Staff.employee_no == employee_no))


def test_production_hashes_use_owasps_argon2id_minimum(app):
    with app.app_context():
        stored = passwords.hash_password("secret")
        assert passwords.verify_password(stored, "secret") and not passwords.needs_rehash(stored)
    assert stored.startswith("$argon2id$") and _params(stored) == (19_456, 2, 1)


def test_the_unknown_user_dummy_costs_what_a_current_hash_costs(app):
    with app.app_context():
        _, dummy = passwords._hasher()
        assert not passwords.needs_rehash(dummy)
        assert passwords.verify_password(None, "not-a-password-of-anyone") is False


def test_an_old_profile_hash_verifies_and_is_stored_anew_at_login(app, client):
    _add_staff(app, "OLD-1", OLD.hash(DEMO_PASSWORD))
    assert _params(_stored(app, "OLD-1")) == (65_536, 3, 4)
    login(client, "OLD-1")
    stored = _stored(app, "OLD-1")
    assert _params(stored) == (19_456, 2, 1)
    with app.app_context():
        assert passwords.verify_password(stored, DEMO_PASSWORD)
    login(client, "OLD-1")  # the new hash signs in; a current hash is not rewritten
    assert _stored(app, "OLD-1") == stored


def test_a_failed_login_leaves_an_old_hash_alone(app, client):
    old = OLD.hash(DEMO_PASSWORD)
    _add_staff(app, "OLD-2", old)
    assert client.post("/api/auth/login", json={"employee_no": "OLD-2", "password": "wrong"}).status_code == 401
    assert _stored(app, "OLD-2") == old
