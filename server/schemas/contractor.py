"""Schemas of contractors and their visits (R-SEC-8, R-SEC-9): mutation args, REST input and output."""
from __future__ import annotations

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from .base import Args
from .listing import PageIn


class ContractorCheckInArgs(Args):
    visit_id = fields.UUID(required=True)
    badge_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class ContractorCheckOutArgs(Args):
    visit_id = fields.UUID(required=True)

class VisitQuery(PageIn):
    status = fields.String(load_default=None, validate=validate.OneOf(["on_site", "checked_out"]))
    badge_no = fields.String(load_default=None)


class RegistryQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    include_revoked = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


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
