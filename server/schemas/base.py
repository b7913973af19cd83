"""What the schemas share: mutation args' base and text limits, the wire's time field.

Every mutation's args refuse unknown keys (``RAISE``: the mutation is rejected
``invalid_args``, the key named in ``errors``), the same for every mutator (#11): a key
the server does not know is a client bug or another version's meaning, and a changed
meaning gets a new mutator name (house style). REST queries and bodies keep their own
``Meta``.
"""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from sync import iso

TEXT = validate.Length(max=4000)
NAME = validate.Length(min=1, max=200)
CODE = validate.Length(min=1, max=32)


class Args(Schema):
    """Base of every mutation's args schema: unknown keys are refused."""

    class Meta:
        unknown = RAISE

class UtcTime(fields.AwareDateTime):
    """An aware time: loads any offset, dumps UTC with ``Z`` through the one ``iso()``
    (a record's ``to_dict`` has already done so: its text passes as it is)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value if isinstance(value, str) else iso(value)


class Day(fields.Date):
    """A calendar day, ``YYYY-MM-DD`` (a ``to_dict``'s text passes as it is)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value if isinstance(value, str) or value is None else value.isoformat()


class Out(Schema):
    """A response or entity shape. It lists every field sent: a field it does not list is
    not sent (the view's answer is dumped through it), and the document says
    ``additionalProperties: false``."""


class Times(Out):
    """A record's time attribution (sync-protocol "Time attribution"), the same keys on
    every record: ``times`` for what made it, ``end_times`` for what ended it."""

    device_at = UtcTime(allow_none=True, metadata={"description": "the device's clock, as sent"})
    received_at = UtcTime(allow_none=True, metadata={"description": "the server's clock on arrival"})
    skew_ms = fields.Integer(allow_none=True, metadata={"description": "device minus server clock"})
    happened_at = UtcTime(allow_none=True, metadata={"description": "device time corrected for skew: what rules judge"})
    clock_suspect = fields.Boolean()


def attribution(**kwargs: Any) -> fields.Nested:
    """A nested :class:`Times`."""
    return fields.Nested(Times, **kwargs)


def free_text(**kwargs: Any) -> fields.String:
    """A free-text field of a response: ``null`` when withheld from the reader (R-SEC-10)."""
    return fields.String(allow_none=True, **kwargs)


def ref(**kwargs: Any) -> fields.UUID:
    """A UUID that may be absent (``null``)."""
    return fields.UUID(allow_none=True, **kwargs)


class WithheldText(Out):
    """The customer-text fields of a record (``customer_text`` names them; a reader outside
    the customer-data roles gets them ``null`` and ``text_withheld: true``, R-SEC-10)."""

    customer_text = fields.List(fields.String())
    text_withheld = fields.Boolean()
