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


class BranchOut(Out):
    """A branch: the ``branch`` entity of a pull."""

    id = fields.UUID()
    code = fields.String()
    name = fields.String()
    timezone = fields.String(metadata={"description": "IANA zone; local times and dates are in it"})
    business_hours = fields.Dict(metadata={"description": '{"mon": [["09:00", "17:00"]], …, "holiday": […]}'})
    guarded_hours = fields.Dict(metadata={"description": "the hours guards patrol (R-SEC-5), same shape"})
    close_of_business = fields.Dict(allow_none=True, metadata={"description": 'per weekday, HH:MM local: {"mon": "17:00", …, "holiday": …}'})
    settings = fields.Dict(metadata={"description": "per-branch values of the rules; unset keys take the defaults"})
    effective_settings = fields.Dict(metadata={"description": "every rule setting: the branch's value, else the default"})
    go_live_date = fields.String(allow_none=True, metadata={"format": "date"})
    updated_at = UtcTime()


class StaffEntity(Out):
    """A staff member: the ``staff`` entity of a pull (``employee_no``: administrators only)."""

    id = fields.UUID()
    employee_no = fields.String(metadata={"description": "the login name; administrators' pulls only"})
    name = fields.String()
    role = fields.String()
    branch_id = fields.UUID(allow_none=True)
    active = fields.Boolean()
    is_bank_staff = fields.Boolean(metadata={"description": "false for on-site contractors (R-SEC-8)"})
