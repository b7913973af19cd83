"""Branch Field Ops server: the application factory."""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask

from .clock import Clock
from .config import Settings, load_settings


def create_app(overrides: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the app: settings, extensions, error handlers, blueprints, sync registry, CLI.

    ``overrides`` take the keys of ``config.DEFAULTS``. It never starts the scheduler:
    the runner does (``flask scheduler run``).
    """
    # FIELDOPS_INSTANCE_PATH: where this host keeps its embedded database and local
    # photos (default ./instance); read here because the settings are built from it.
    app = Flask(__name__, instance_relative_config=True, static_folder=None,
                instance_path=os.environ.get("FIELDOPS_INSTANCE_PATH") or None)
    settings = load_settings(app.instance_path, overrides)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TESTING=settings.testing,
        JSON_SORT_KEYS=False,
    )
    app.extensions["settings"] = settings
    app.extensions["clock"] = clock or Clock()
    logging.basicConfig(level=settings.log_level)
    app.logger.setLevel(settings.log_level)

    from . import errors, extensions, headers, input_gate, models  # noqa: F401  (models register tables)
    from .db_events import install as install_db_events

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    with app.app_context():
        install_db_events(extensions.db.engine)
    errors.init_app(app)
    input_gate.init_app(app)
    headers.init_app(app)

    from .api import answers, register_blueprints
    from .api.context import NoCookieSessions

    answers.init_app(app)
    register_blueprints(app)
    app.session_interface = NoCookieSessions()

    from .sync_setup import init_sync

    init_sync(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _engine_options(settings: Settings) -> dict[str, Any]:
    from sync import dumps

    url = settings.database_url
    # JSON columns hold the feed's own compact text (orjson: the bulk writers of
    # services/compliance_store.py write the same text without the dialect, #14).
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "json_serializer": dumps}
    # No pool_pre_ping: db_events pings a connection only after it sat idle (#3).
    options: dict[str, Any] = {
        "json_serializer": dumps,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,  # then 503 busy (server/errors.py)
    }
    if settings.pg_random_page_cost and url.startswith("postgresql"):
        # Set at connect (libpq's startup options: no round trip). See config.DEFAULTS.
        options["connect_args"] = {"options": f"-c random_page_cost={settings.pg_random_page_cost}"}
    return options


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
