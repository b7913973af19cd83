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
    "photo_dir": None,  # None -> <instance>/photos
    # Where photo bytes live: "local" (photo_dir, one host) or "database" (every host of one
    # PostgreSQL reads them). None -> "database" on PostgreSQL, "local" on SQLite (#16).
    "photo_store": None,
    "photo_max_bytes": 10 * 1024 * 1024,
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
    """Typed application settings. Build with :func:`load_settings`."""

    database_url: str
    secret_key: str | None
    instance_path: str
    log_level: str = "INFO"
    redis_url: str | None = None
    token_ttl_days: int = 90
    login_max_failures: int = 5
    login_window_seconds: int = 900
    max_body_bytes: int = 1024 * 1024
    max_mutations_per_push: int = 500
    pull_max_limit: int = 1000
    pull_max_wait_seconds: int = 30
    pull_default_limit: int = 500
    sync_clock_tolerance_seconds: int = 120
    sync_tombstone_days: int = 90
    sync_poll_interval_ms: int = 250
    sync_max_waiters: int = 10_000
    sync_retry_after_ms: int = 5000
    request_read_seconds: int = 5
    photo_dir: str = ""
    photo_store: str = "local"
    photo_max_bytes: int = 10 * 1024 * 1024
    scheduler_lease_seconds: int = 30
    compliance_check_seconds: int = 300
    pg_random_page_cost: str = "1.1"
    testing: bool = False

    def with_overrides(self, **kw: Any) -> "Settings":
        return replace(self, **kw)


def _env_value(environ: Mapping[str, str], key: str) -> str | None:
    if key == "database_url":
        return environ.get("DATABASE_URL")
    if key == "secret_key":
        return environ.get("SECRET_KEY") or environ.get("FIELDOPS_SECRET_KEY")
    if key == "redis_url":
        return environ.get("REDIS_URL") or environ.get("FIELDOPS_REDIS_URL")
    return environ.get("FIELDOPS_" + key.upper())


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
