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

from .base import Args, Day, Out, UtcTime, WithheldText, attribution, ref
from .listing import PageIn, page_of


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


class ContractorOut(WithheldText):
    """A registration (R-SEC-8): the ``contractor`` entity of a pull, always non-bank. Its
    ``scope_note`` and ``revoked_reason`` are the operations manager's free text: withheld
    from readers outside the customer-data roles (R-SEC-10, #12)."""

    id = fields.UUID()
    branch_id = fields.UUID()
    staff_id = ref(metadata={"description": "the linked onsite account"})
    name = fields.String()
    display_name = fields.String()
    is_bank_staff = fields.Boolean()
    employer = fields.String()
    badge_no = fields.String()
    scope = fields.List(fields.String())
    scope_note = fields.String(allow_none=True)
    valid_from = Day()
    valid_to = Day()
    revoked = fields.Boolean()
    revoked_at = UtcTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)
    updated_at = UtcTime()


class VisitOut(Out):
    """A stay on site (R-SEC-8, R-SEC-9): the ``contractor_visit`` entity of a pull.
    ``times`` are the check-in's, ``end_times`` the check-out's (``null`` while on site)."""

    id = fields.UUID()
    branch_id = fields.UUID()
    contractor_id = fields.UUID()
    contractor_staff_id = ref()
    name = fields.String()
    display_name = fields.String()
    is_bank_staff = fields.Boolean()
    employer = fields.String()
    badge_no = fields.String()
    area = fields.String(allow_none=True)
    recorded_by = fields.UUID()
    status = fields.String(metadata={"description": "on_site or checked_out"})
    checked_in_at = UtcTime()
    checked_out_at = UtcTime(allow_none=True)
    checked_out_by = ref()
    times = attribution()
    end_times = attribution(allow_none=True)


ContractorPage = page_of(ContractorOut, "ContractorPage")
VisitPage = page_of(VisitOut, "VisitPage", day=True)


class OnSiteList(Out):
    items = fields.List(fields.Nested(VisitOut))
