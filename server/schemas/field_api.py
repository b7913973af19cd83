"""Schemas of the field-ops REST endpoints under ``/api/branches/<id>/`` (R-SEC-2, R-SEC-8)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema


class PageIn(Schema):
    """``?date=&limit=&offset=``: ``date`` is the branch-local day (default today)."""

    class Meta:
        unknown = EXCLUDE

    date = fields.Date(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class ShiftQuery(PageIn):
    post = fields.String(load_default=None)
    staff_id = fields.UUID(load_default=None)
    open = fields.Boolean(load_default=None)


class RosterQuery(Schema):
    """``?date=&post=`` of the roster: a day is a few rows, so no pages."""

    class Meta:
        unknown = EXCLUDE

    date = fields.Date(load_default=None)
    post = fields.String(load_default=None)


class HandoverQuery(PageIn):
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "accepted"]))


class CleaningQuery(PageIn):
    area = fields.String(load_default=None)
    staff_id = fields.UUID(load_default=None)


class FloorQuery(PageIn):
    slot = fields.String(load_default=None)


class VisitQuery(PageIn):
    status = fields.String(load_default=None, validate=validate.OneOf(["on_site", "checked_out"]))
    badge_no = fields.String(load_default=None)


class RegistryQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    include_revoked = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class AtQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    at = fields.AwareDateTime(load_default=None)


class RosterIn(Schema):
    """A planned shift (R-SEC-2)."""

    post = fields.String(required=True, validate=validate.Length(min=1, max=32))
    staff_id = fields.UUID(load_default=None, allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    notes = fields.String(load_default="", validate=validate.Length(max=1000))


class RosterPatch(RosterIn):
    post = fields.String(validate=validate.Length(min=1, max=32))
    staff_id = fields.UUID(allow_none=True)
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    notes = fields.String(validate=validate.Length(max=1000))


class RosterOut(Schema):
    id = fields.UUID()
    branch_id = fields.UUID()
    post = fields.String()
    staff_id = fields.UUID(allow_none=True)
    starts_at = fields.String()
    ends_at = fields.String()
    notes = fields.String()


class ContractorIn(Schema):
    """A contractor's registration (R-SEC-8)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    employer = fields.String(required=True, validate=validate.Length(min=1, max=200))
    badge_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scope = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    scope_note = fields.String(load_default="", validate=validate.Length(max=1000))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    staff_id = fields.UUID(load_default=None, allow_none=True)


class ContractorPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    employer = fields.String(validate=validate.Length(min=1, max=200))
    badge_no = fields.String(validate=validate.Length(min=1, max=64))
    scope = fields.List(fields.String(validate=validate.Length(min=1, max=100)))
    scope_note = fields.String(validate=validate.Length(max=1000))
    valid_from = fields.Date()
    valid_to = fields.Date()
    staff_id = fields.UUID(allow_none=True)

    @validates_schema
    def not_empty(self, data: dict, **_: object) -> None:
        if not data:
            raise ValidationError("Send at least one field to change.")


class RevokeIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ContractorOut(Schema):
    id = fields.UUID()
    name = fields.String()
    display_name = fields.String()
    is_bank_staff = fields.Boolean()
    employer = fields.String()
    badge_no = fields.String()
    scope = fields.List(fields.String())
    valid_from = fields.String()
    valid_to = fields.String()
    revoked = fields.Boolean()


class PageOut(Schema):
    """A page of records: ``items`` plus ``total``, ``limit``, ``offset``, ``next_offset``."""

    items = fields.List(fields.Dict())
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    next_offset = fields.Integer(allow_none=True)
