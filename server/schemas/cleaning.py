"""Schemas of cleaning records (R-SEC-6): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import fields, validate

from .base import NAME, TEXT, Args, Out, attribution, free_text
from .listing import PageIn, page_of
from .org import PersonOut


class CleaningRecordArgs(Args):
    cleaning_id = fields.UUID(required=True)
    area = fields.String(required=True, validate=validate.Length(min=1, max=100))
    task = fields.String(required=True, validate=NAME)
    notes = fields.String(load_default="", allow_none=True, validate=TEXT)

class CleaningQuery(PageIn):
    area = fields.String(load_default=None)
    staff_id = fields.UUID(load_default=None)


class CleaningOut(Out):
    """A cleaning record (R-SEC-6): the ``cleaning`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    staff_id = fields.UUID()
    shift_id = fields.UUID()
    area = fields.String()
    task = fields.String()
    notes = free_text()
    times = attribution()


class CleaningItem(CleaningOut):
    """A cleaning record as listed: with who did it."""

    staff = fields.Nested(PersonOut, allow_none=True)


CleaningPage = page_of(CleaningItem, "CleaningPage", day=True)
