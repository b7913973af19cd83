"""Shapes of the organisation: a person as listings name them, a branch, a staff member."""
from __future__ import annotations

from marshmallow import fields

from .base import Out, UtcTime


class PersonOut(Out):
    """A person as a listing names them: contractors marked non-bank (R-SEC-8, R-SEC-9)."""

    id = fields.UUID()
    name = fields.String()
    role = fields.String()
    is_bank_staff = fields.Boolean()
    display_name = fields.String()


class HealthOut(Out):
    """``/healthz``: the process is up and the database answers."""

    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"description": "sqlite or postgresql"})
    server_time = UtcTime()


class ShellOut(Out):
    """The field app's shell: its version (a digest of every file) and files."""

    version = fields.String()
    files = fields.List(fields.String())
    urls = fields.List(fields.String())
    lazy = fields.List(fields.String(), metadata={"description": "precached, loaded when the camera opens"})
