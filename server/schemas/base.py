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

from sync.types import iso

TEXT = validate.Length(max=4000)
NAME = validate.Length(min=1, max=200)
CODE = validate.Length(min=1, max=32)


class Args(Schema):
    """Base of every mutation's args schema: unknown keys are refused."""

    class Meta:
        unknown = RAISE


























class UtcTime(fields.AwareDateTime):
    """An aware time: loads any offset, dumps UTC with ``Z`` through the one ``iso()``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return iso(value)
