"""Secrets every host of one database shares (the cursor key), kept in that database."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AppSecret(db.Model):
    """A named secret, made once by whichever host needs it first (#16).

    Hosts behind one load balancer must sign and check cursors with one key; a key in
    each host's ``instance/`` made a cursor from one host ``bad_cursor`` on the next.
    """

    __tablename__ = "app_secret"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
