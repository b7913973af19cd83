"""Schemas of the roster (R-SEC-2): REST input, output and queries."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from .base import Out, UtcTime, WithheldText, free_text, ref


class RosterQuery(Schema):
    """``?date=&post=`` of the roster: a day is a few rows, so no pages."""

    class Meta:
        unknown = EXCLUDE

    date = fields.Date(load_default=None)
    post = fields.String(load_default=None)


class RosterIn(Schema):
    """A planned shift (R-SEC-2)."""

    post = fields.String(required=True, validate=validate.Length(min=1, max=32))
    staff_id = fields.UUID(load_default=None, allow_none=True)
    starts_at = UtcTime(required=True)
    ends_at = UtcTime(required=True)
    notes = fields.String(load_default="", validate=validate.Length(max=1000))


class RosterPatch(RosterIn):
    post = fields.String(validate=validate.Length(min=1, max=32))
    staff_id = fields.UUID(allow_none=True)
    starts_at = UtcTime()
    ends_at = UtcTime()
    notes = fields.String(validate=validate.Length(max=1000))


class RosterOut(WithheldText):
    """A planned shift: the ``roster_shift`` entity of a pull."""

    id = fields.UUID()
    branch_id = fields.UUID()
    post = fields.String()
    staff_id = ref()
    starts_at = UtcTime()
    ends_at = UtcTime()
    notes = free_text()
    created_by = ref()
    created_at = UtcTime()
    updated_at = UtcTime()


class RosterList(Out):
    """The planned shifts of a day: a few rows, so one page."""

    date = fields.String(metadata={"format": "date"})
    items = fields.List(fields.Nested(RosterOut))
