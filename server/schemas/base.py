"""What every mutation's args schema shares.

Unknown keys are ignored (``EXCLUDE``) so an older or newer client's extra args do not
reject a mutation; a changed meaning gets a new mutator name instead (house style).
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, validate

TEXT = validate.Length(max=4000)
NAME = validate.Length(min=1, max=200)
CODE = validate.Length(min=1, max=32)


class Args(Schema):
    class Meta:
        unknown = EXCLUDE
























