"""Password hashing with Argon2id.

Production uses argon2-cffi's current defaults (RFC 9106 low-memory profile). The test
profile (``testing=True``) uses the smallest parameters so a suite of hundreds of logins
stays fast; verification reads the parameters from each hash, so both kinds verify.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from typing import Callable, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

T = TypeVar("T")


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
    """True when ``password`` matches; an unknown user (``None``) costs the same time.

    Under the gevent worker the hash runs on gevent's thread pool (argon2 releases the
    GIL), so a login's tens of milliseconds of hashing never stall the thousands of
    pulls waiting in the same process (#16)."""
    hasher, dummy = _hasher()
    try:
        return _off_the_loop(hasher.verify, stored_hash or dummy, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _off_the_loop(call: Callable[..., T], *args: object) -> T:
    """``call(*args)`` on gevent's thread pool when this process is monkey-patched, else here."""
    if "gevent" in sys.modules:
        from gevent import get_hub, monkey

        if monkey.is_module_patched("threading"):
            return get_hub().threadpool.apply(call, args)
    return call(*args)
