"""Settings: one frozen object built from the environment, every default in one place.

Read only inside ``create_app`` (never at import time). Per-branch values (hours, grace
periods, time zones) live in the database, not here.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

DEFAULTS: dict[str, Any] = {
    "database_url": None,  # None -> sqlite:///<instance>/fieldops.sqlite3
    # None -> the cursor key kept in the database (table app_secret), made by the first
    # host that needs it: every host of one database agrees, nothing to copy by hand (#16).
    "secret_key": None,
    "log_level": "INFO",
    "redis_url": None,  # optional: login throttling and long-poll wake-ups across hosts
    "token_ttl_days": 90,  # field devices stay offline for days (sync-protocol: Sessions)
    "login_max_failures": 5,  # sync-protocol "Settled details": 5 failures / 15 minutes
    "login_window_seconds": 900,
    "max_body_bytes": 1024 * 1024,  # sync-protocol: push over 1 MiB -> 413 too_large
    "max_mutations_per_push": 500,
    "pull_max_limit": 1000,
    "pull_max_wait_seconds": 30,
    "pull_default_limit": 500,
    "sync_clock_tolerance_seconds": 120,  # sync-protocol "Time attribution": 2 minutes
    "sync_tombstone_days": 90,  # tombstones older than this may be compacted; older cursors reset
    "sync_poll_interval_ms": 250,  # SQLite long-poll fallback: how often a process checks
    # Waiting pulls one process holds (#16); past it a pull is answered at once with
    # retry_after_ms, so a fleet cannot take a host down. Sized in README "Running in production".
    "sync_max_waiters": 10_000,
    "sync_retry_after_ms": 5000,  # the hint of a pull answered at once (cap, shutdown)
    # A request (headers and body) must arrive whole within this many seconds, or the
    # connection is dropped: slow clients never hold the server (server/serving.py, #16).
    "request_read_seconds": 5,
    # Database connections per process (PostgreSQL), and how long a request may wait for
    # one: past it the answer is 503 ``busy`` with Retry-After, not a 30-second stall and
    # a 500, so a host under a burst sheds load and devices come back later (#16).
    "db_pool_size": 10,
    "db_pool_overflow": 20,
    "db_pool_timeout_seconds": 3,
    "sync_rejected_bytes_per_day": 1024 * 1024,  # rejected mutations one client may store a day (#12)
    "photo_dir": None,  # None -> <instance>/photos
    # Where photo bytes live: "local" (photo_dir, one host) or "database" (every host of one
    # PostgreSQL reads them). None -> "database" on PostgreSQL, "local" on SQLite (#16).
    "photo_store": None,
    "photo_max_bytes": 10 * 1024 * 1024,
    "photo_max_pixels": 50_000_000,  # a 50-megapixel phone camera; more is a decompression bomb
    "photo_partial_max_per_uploader": 4,  # unfinished uploads one uploader may hold (#12)
    "photo_partial_ttl_hours": 24,  # an unfinished upload idle this long is dropped (#12)
    "scheduler_lease_seconds": 30,
    # Compliance (#14): how often the scheduler re-judges deadlines and refreshes open windows.
    "compliance_check_seconds": 300,
    # PostgreSQL: the app's connections plan with this random_page_cost (SSD storage; "" =
    # the server's own). At the default 4, a pull's page over an audience that grew since
    # ANALYZE is read whole and sorted per page; at 1.1 it is read in index order (#3).
    "pg_random_page_cost": "1.1",
    "testing": False,
}

_INT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool)} | {
    "photo_max_bytes"
}


@dataclass(frozen=True)
class Settings:
    """Typed application settings. Build with :func:`load_settings`; the defaults are
    ``DEFAULTS`` (written once, there)."""

    database_url: str
    secret_key: str | None
    instance_path: str
    log_level: str
    redis_url: str | None
    token_ttl_days: int
    login_max_failures: int
    login_window_seconds: int
    max_body_bytes: int
    max_mutations_per_push: int
    pull_max_limit: int
    pull_max_wait_seconds: int
    pull_default_limit: int
    sync_clock_tolerance_seconds: int
    sync_tombstone_days: int
    sync_poll_interval_ms: int
    sync_max_waiters: int
    sync_retry_after_ms: int
    request_read_seconds: int
    db_pool_size: int
    db_pool_overflow: int
    db_pool_timeout_seconds: int
    sync_rejected_bytes_per_day: int
    photo_dir: str
    photo_store: str
    photo_max_bytes: int
    photo_max_pixels: int
    photo_partial_max_per_uploader: int
    photo_partial_ttl_hours: int
    scheduler_lease_seconds: int
    compliance_check_seconds: int
    pg_random_page_cost: str
    testing: bool

    def with_overrides(self, **kw: Any) -> "Settings":
        return replace(self, **kw)


#: The environment names of a setting other than ``FIELDOPS_<KEY>``: the conventional
#: ones, and the ``FIELDOPS_`` spelling accepted too. Setting both is an error.
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "database_url": ("DATABASE_URL",),
    "secret_key": ("SECRET_KEY", "FIELDOPS_SECRET_KEY"),
    "redis_url": ("REDIS_URL", "FIELDOPS_REDIS_URL"),
}


def _env_value(environ: Mapping[str, str], key: str) -> str | None:
    if key not in _ENV_NAMES:
        return environ.get("FIELDOPS_" + key.upper())
    given = [name for name in _ENV_NAMES[key] if environ.get(name)]
    if len(given) > 1:
        raise RuntimeError(f"{' and '.join(given)} both set: one setting, one spelling (unset one)")
    return environ[given[0]] if given else None


def _parse(key: str, raw: Any) -> Any:
    if raw is None or not isinstance(raw, str):
        return raw
    if key == "testing":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if key == "pg_random_page_cost":
        value = raw.strip()
        try:
            if value and not float(value) > 0:
                raise ValueError
        except ValueError:
            raise RuntimeError(f"FIELDOPS_PG_RANDOM_PAGE_COST must be a positive number or empty, not {raw!r}") from None
        return value
    if key in _INT_KEYS:
        try:
            return int(raw)
        except ValueError:
            raise RuntimeError(f"FIELDOPS_{key.upper()} must be a whole number, not {raw!r}") from None
    return raw


def normalise_database_url(url: str) -> str:
    """Accept ``postgresql://`` (sync-protocol "Settled details") and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _photo_store(value: str | None, database_url: str) -> str:
    """``local`` or ``database``; the default follows the database (see DEFAULTS)."""
    if value is None:
        return "database" if database_url.startswith("postgresql") else "local"
    value = value.strip().lower()
    if value not in {"local", "database"}:
        raise RuntimeError(f"FIELDOPS_PHOTO_STORE must be 'local' or 'database', not {value!r}")
    return value


def load_settings(
    instance_path: str, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build :class:`Settings` from defaults, then the environment, then ``overrides``.

    Raises ``RuntimeError`` on a value that does not parse (fail fast, no silent default).
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = overrides[key] if key in overrides else _env_value(environ, key)
        values[key] = _parse(key, raw) if raw is not None else default
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise RuntimeError(f"unknown settings: {sorted(unknown)}")
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not values["database_url"]:
        values["database_url"] = f"sqlite:///{instance / 'fieldops.sqlite3'}"
    values["database_url"] = normalise_database_url(values["database_url"])
    if not values["photo_dir"]:
        values["photo_dir"] = str(instance / "photos")
    values["photo_store"] = _photo_store(values["photo_store"], values["database_url"])
    values["log_level"] = str(values["log_level"]).upper()
    if values["log_level"] not in logging.getLevelNamesMapping():
        raise RuntimeError(f"FIELDOPS_LOG_LEVEL {values['log_level']!r} is not a logging level")
    known = {f.name for f in fields(Settings)}
    return Settings(instance_path=str(instance), **{k: v for k, v in values.items() if k in known})
