"""What the schemas share: mutation args' base and text limits, the wire's time field.

Unknown keys are ignored (``EXCLUDE``) so an older or newer client's extra args do not
reject a mutation; a changed meaning gets a new mutator name instead (house style).
"""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from sync.types import iso

TEXT = validate.Length(max=4000)
NAME = validate.Length(min=1, max=200)
CODE = validate.Length(min=1, max=32)


class Args(Schema):
    class Meta:
        unknown = EXCLUDE


























class UtcTime(fields.AwareDateTime):
    """An aware time: loads any offset, dumps UTC with ``Z`` through the one ``iso()``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return iso(value)
