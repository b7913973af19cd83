"""Password hashing with Argon2id.

Production profile (#16): OWASP's Password Storage Cheat Sheet minimum for Argon2id,
m = 19 MiB (19,456 KiB), t = 2, p = 1
(https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id).
Measured on the 2-core reference host: one verify costs about 28 ms of CPU (argon2-cffi's
defaults, m = 64 MiB, t = 3, p = 4, which hashes were made with before, cost about
220 ms of CPU and 110 ms of wall time on a quiet machine), so a login can answer within
100 ms while thousands of pulls wait in the same process. Hashes of the older profile
still verify (each hash carries its parameters) and move to this one at their next
successful login (:func:`needs_rehash`, ``services.auth.login``).

The test profile (``testing=True``) uses the smallest parameters so a suite of hundreds
of logins stays fast.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from typing import Callable, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

T = TypeVar("T")

#: OWASP's minimum for Argon2id (see the module docstring): memory in KiB.
PRODUCTION = {"time_cost": 2, "memory_cost": 19_456, "parallelism": 1}
TESTING = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@lru_cache(maxsize=2)
def _hasher_for(testing: bool) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(**(TESTING if testing else PRODUCTION))
    # Verified against when the employee number is unknown, so both failures take as
    # long: made with the current profile, it costs what a current hash costs.
    return hasher, hasher.hash("not-a-password-of-anyone")


def _hasher() -> tuple[PasswordHasher, str]:
    testing = has_app_context() and current_app.extensions["settings"].testing
    return _hasher_for(bool(testing))


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` with the current profile (off the event loop, as
    :func:`verify_password`)."""
    return _off_the_loop(_hasher()[0].hash, password)


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


def needs_rehash(stored_hash: str) -> bool:
    """True when ``stored_hash`` (one that just verified) was made with other parameters
    than the current profile: the caller stores :func:`hash_password` of the password."""
    try:
        return _hasher()[0].check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _off_the_loop(call: Callable[..., T], *args: object) -> T:
    """``call(*args)`` on gevent's thread pool when this process is monkey-patched, else here."""
    if "gevent" in sys.modules:
        from gevent import get_hub, monkey

        if monkey.is_module_patched("threading"):
            return get_hub().threadpool.apply(call, args)
    return call(*args)
