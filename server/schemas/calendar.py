"""Shapes of the working-day calendar: a year's load (API body and CLI file) and a year's view."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..rules.calendar import DAY_KINDS


class CalendarDayIn(Schema):
    """One day of a load: ``{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}``."""

    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DAY_KINDS))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class CalendarYearIn(Schema):
    """A year's load: its days that differ from the package (or from Monday-to-Friday),
    and ``complete`` to declare a year the package does not know as known."""

    complete = fields.Boolean(load_default=False)
    days = fields.List(fields.Nested(CalendarDayIn), required=True)


class CalendarDayOut(Schema):
    date = fields.Date()
    kind = fields.String(
        metadata={"description": "holiday, adjusted_workday, or workday (a weekday holiday taken back)"}
    )
    name = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "package or loaded"})


class CalendarLoadOut(Schema):
    version = fields.Integer()
    complete = fields.Boolean()
    loaded_by = fields.String()
    loaded_at = fields.String(metadata={"description": "UTC, ISO 8601 with Z"})
    origin = fields.String()
    days = fields.Integer(metadata={"description": "how many days the load lists"})


class CalendarYearOut(Schema):
    """A year as the calendar knows it: known or not, by which data, its non-ordinary days."""

    year = fields.Integer()
    known = fields.Boolean()
    calendar = fields.String(allow_none=True, metadata={"description": "the label deadlines record"})
    package = fields.String(allow_none=True, metadata={"description": "the package version when it knows the year"})
    loaded = fields.Nested(CalendarLoadOut, allow_none=True)
    days = fields.List(fields.Nested(CalendarDayOut))
