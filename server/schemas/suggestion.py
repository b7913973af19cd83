"""Args of the ``box.*`` mutations (R-BOX-1..4; sync-protocol "Mutations v1").

Unknown keys are ignored (``EXCLUDE``): a changed meaning gets a new mutator name.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..rules import suggestion as SR
from .base import Day, Out, UtcTime, attribution, free_text, ref
from .listing import page_of

_TEXT = validate.Length(min=1, max=4000)
_SHA = validate.Regexp(r"^[0-9a-f]{64}$", error="A photo is named by its lowercase SHA-256.")


class _Args(Schema):
    class Meta:
        unknown = EXCLUDE


class BoxOpenArgs(_Args):
    session_id = fields.UUID(required=True)
    business_date = fields.Date(required=True)
    photo = fields.String(load_default=None, allow_none=True, validate=_SHA)


class _Classification(_Args):
    jrt_channel = fields.String(validate=validate.Length(max=8))
    jrt_business = fields.String(validate=validate.Length(max=8))
    jrt_cause = fields.String(validate=validate.Length(max=8))


class BoxEntryArgs(_Args):
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


class BoxReplyArgs(_Args):
    entry_id = fields.UUID(required=True)
    text = fields.String(required=True, validate=_TEXT)


class BoxCallbackArgs(_Args):
    entry_id = fields.UUID(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(SR.OUTCOMES))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    callback_id = fields.UUID(load_default=None, allow_none=True)


class BoxCloseArgs(_Args):
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


# --- Shapes of the box as pulled and listed (R-BOX-1..4). Customer fields are ``null`` for
# readers outside the customer-data roles (R-SEC-10).


class BoxSessionOut(Out):
    """A day's opening and closing of the box (R-BOX-1): the ``box_session`` entity of a
    pull; ``times`` are the opening's, ``end_times`` the closing's (``null`` while open)."""

    id = fields.UUID()
    branch_id = fields.UUID()
    business_date = Day()
    opened_by = fields.UUID()
    opened_late = fields.Boolean()
    due_at = UtcTime(allow_none=True)
    status = fields.String()
    photo_sha256 = fields.String(allow_none=True)
    slip_count = fields.Integer(allow_none=True)
    empty = fields.Boolean(allow_none=True)
    closed_by = ref()
    callbacks_reason = free_text()
    open_callbacks = fields.Integer()
    times = attribution()
    end_times = attribution(allow_none=True)
    updated_at = UtcTime()


class BoxReply(Out):
    text = free_text()
    replied_by = fields.UUID()
    happened_at = UtcTime(allow_none=True)
    received_at = UtcTime(allow_none=True)


class BoxEntryOut(Out):
    """One slip or book entry (R-BOX-2): the ``box_entry`` entity of a pull."""

    id = fields.UUID()
    session_id = fields.UUID()
    branch_id = fields.UUID()
    business_date = Day()
    source = fields.String()
    kind = fields.String()
    text = free_text()
    customer_name = free_text()
    contact = free_text()
    recorded_by = fields.UUID()
    complaint_id = ref()
    follow_up = fields.String()
    reply = fields.Nested(BoxReply, allow_none=True)
    callback_status = fields.String()
    callback_attempts = fields.Integer()
    times = attribution()
    updated_at = UtcTime()


class BoxCallbackOut(Out):
    """One attempt to phone an entry's customer (R-BOX-3): the ``box_callback`` entity."""

    id = fields.UUID()
    entry_id = fields.UUID()
    branch_id = fields.UUID()
    attempt = fields.Integer()
    outcome = fields.String()
    notes = free_text()
    called_by = fields.UUID()
    times = attribution()


class BoxEntryListed(BoxEntryOut):
    callbacks = fields.List(fields.Nested(BoxCallbackOut))


class BoxSessionListed(BoxSessionOut):
    entries = fields.List(fields.Nested(BoxEntryListed))


BoxSessionPage = page_of(BoxSessionListed, "BoxSessionPage")
