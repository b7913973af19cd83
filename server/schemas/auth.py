"""Schemas of the session endpoints (sync-protocol: Sessions)."""
from __future__ import annotations

from marshmallow import EXCLUDE, INCLUDE, Schema, fields, validate

from ..rules.roles import ROLES
from .base import UtcTime


class LoginIn(Schema):
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)
    device_label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    device_key = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200),
        metadata={"description": "The device_key this device got at its last login: a device that signed "
                                 "in before is throttled apart from other sources (#12)."},
    )


class StaffOut(Schema):
    id = fields.UUID()
    name = fields.String()
    role = fields.String(validate=validate.OneOf(ROLES))
    branch_id = fields.UUID(allow_none=True)


class LoginOut(Schema):
    token = fields.String()
    session_id = fields.UUID()
    expires_at = UtcTime()
    staff = fields.Nested(StaffOut)
    device_key = fields.String(metadata={"description": "Keep it; send it with the next login."})


class SessionOut(Schema):
    id = fields.UUID()
    staff_id = fields.UUID()
    label = fields.String(allow_none=True)
    created_at = UtcTime()
    last_seen_at = UtcTime()
    expires_at = UtcTime()
    revoked_at = UtcTime(allow_none=True)


class SessionList(Schema):
    sessions = fields.List(fields.Nested(SessionOut))


class SessionQuery(Schema):
    """``?include_revoked=true``: revoked sessions too."""

    class Meta:
        unknown = EXCLUDE

    include_revoked = fields.Boolean(load_default=False)


class Problem(Schema):
    """An error answer (RFC 9457 problem details) with the stable ``code`` clients branch on;
    some carry more (``errors`` of a validation, ``rule`` of a rule, ``current`` of a conflict)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    code = fields.String()
    errors = fields.Dict()
