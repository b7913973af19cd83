"""Password hashing with Argon2id.

Production uses argon2-cffi's current defaults (RFC 9106 low-memory profile). The test
profile (``testing=True``) uses the smallest parameters so a suite of hundreds of logins
stays fast; verification reads the parameters from each hash, so both kinds verify.
"""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@lru_cache(maxsize=2)
def _hasher_for(testing: bool) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if testing else PasswordHasher()
    # Verified against when the employee number is unknown, so both failures take as long.
    return hasher, hasher.hash("not-a-password-of-anyone")


def _hasher() -> tuple[PasswordHasher, str]:
    testing = has_app_context() and current_app.extensions["settings"].testing
    return _hasher_for(bool(testing))


def hash_password(password: str) -> str:
    """Argon2id hash of ``password``."""
    return _hasher()[0].hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an unknown user (``None``) costs the same time."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
