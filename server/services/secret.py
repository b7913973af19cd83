"""Secrets shared by every host of one database (#16).

A key is made by the first host that asks (``INSERT``; a host that loses the race reads
the winner's), so no ``SECRET_KEY`` needs to be copied by hand between hosts, and every
host of one database signs and checks cursors alike.
"""
from __future__ import annotations

import secrets

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..models.secret import AppSecret


def shared_secret(engine: Engine, name: str) -> str:
    """The secret ``name`` kept in the database, made now if there is none.

    Runs on a connection of its own (never the request's transaction). Raises what the
    database raises when the ``app_secret`` table is missing (run ``flask db upgrade``).
    """
    table = AppSecret.__table__
    read = select(table.c.value).where(table.c.name == name)
    with engine.connect() as conn:
        value = conn.execute(read).scalar()
        conn.commit()
        if value:
            return value
        try:
            conn.execute(insert(table).values(name=name, value=secrets.token_urlsafe(48)))
            conn.commit()
        except IntegrityError:
            conn.rollback()  # another host made it first: theirs is the one
        value = conn.execute(read).scalar_one()
        conn.commit()
        return value
