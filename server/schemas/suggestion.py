"""Args of the ``box.*`` mutations (R-BOX-1..4; sync-protocol "Mutations v1").

Args refuse unknown keys, as every mutation's do (``schemas/base.Args``, #11); the REST
query ignores them.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..rules import suggestion as SR
from .base import Args

_TEXT = validate.Length(min=1, max=4000)
_SHA = validate.Regexp(r"^[0-9a-f]{64}$", error="A photo is named by its lowercase SHA-256.")


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE


class BoxOpenArgs(Args):
    session_id = fields.UUID(required=True)
    business_date = fields.Date(required=True)
    photo = fields.String(load_default=None, allow_none=True, validate=_SHA)


class _Classification(Args):
    jrt_channel = fields.String(validate=validate.Length(max=8))
    jrt_business = fields.String(validate=validate.Length(max=8))
    jrt_cause = fields.String(validate=validate.Length(max=8))


class BoxEntryArgs(Args):
    entry_id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SR.SOURCES))
    kind = fields.String(required=True, validate=validate.OneOf(SR.KINDS))
    text = fields.String(required=True, validate=_TEXT)
    customer_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    #: For a complaint: the id of the case it opens (default ``uuid5(entry_id)``) and its JR/T axes.
    complaint_id = fields.UUID(load_default=None, allow_none=True)
    classification = fields.Nested(_Classification, load_default=None, allow_none=True)


class BoxReplyArgs(Args):
    entry_id = fields.UUID(required=True)
    text = fields.String(required=True, validate=_TEXT)


class BoxCallbackArgs(Args):
    entry_id = fields.UUID(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(SR.OUTCOMES))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    callback_id = fields.UUID(load_default=None, allow_none=True)


class BoxCloseArgs(Args):
    session_id = fields.UUID(required=True)
    slip_count = fields.Integer(required=True, validate=validate.Range(min=0, max=10000))
    #: "Box empty" (今日无意见), stated explicitly: a day with no slips is never closed by silence.
    empty = fields.Boolean(load_default=False)
    callbacks_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    photo = fields.String(load_default=None, allow_none=True, validate=_SHA)


class BoxSessionQuery(_Args):
    """``?date=&limit=&offset=``: one business date, or every session newest first."""

    date = fields.Date(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
