"""Unbound extensions, bound to an app in ``create_app``."""
from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from sync import metadata as sync_metadata


class Base(DeclarativeBase):
    """Declarative base of every domain model; shares the sync engine's metadata."""

    metadata = sync_metadata


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
