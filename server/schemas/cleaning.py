"""Schemas of cleaning records (R-SEC-6): mutation args and REST queries."""
from __future__ import annotations

from marshmallow import fields, validate

from .base import NAME, TEXT, Args
from .listing import PageIn


class CleaningRecordArgs(Args):
    cleaning_id = fields.UUID(required=True)
    area = fields.String(required=True, validate=validate.Length(min=1, max=100))
    task = fields.String(required=True, validate=NAME)
    notes = fields.String(load_default="", allow_none=True, validate=TEXT)

class CleaningQuery(PageIn):
    area = fields.String(load_default=None)
    staff_id = fields.UUID(load_default=None)
