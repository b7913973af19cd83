"""Schemas of the sync supervision endpoints (the push/pull envelope is ``sync.protocol``)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from .base import Out, UtcTime


class MutationPageIn(Schema):
    """``?limit=&offset=&status=`` of a mutation log listing."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    status = fields.String(load_default=None, validate=validate.OneOf(["applied", "rejected"]))


# --- The push/pull envelope, for the OpenAPI document (sync-protocol v1). The engine
# parses bodies itself (sync.protocol) so that a bad mutation rejects only that mutation;
# these schemas describe the same shapes and are checked against it by a test.


class MutationIn(Schema):
    id = fields.Integer(required=True, metadata={"description": "Rises by exactly 1 per client, from 1."})
    name = fields.String(required=True, metadata={"example": "patrol.record"})
    at = fields.String(required=True, metadata={"description": "Device time, ISO 8601 with offset."})
    args = fields.Dict(required=True)


class PushIn(Schema):
    client_id = fields.UUID(required=True)
    protocol = fields.Integer(required=True, metadata={"example": 1})
    sent_at = UtcTime(required=True)
    mutations = fields.List(fields.Nested(MutationIn), required=True, validate=validate.Length(max=500))


class MutationError(Schema):
    code = fields.String()
    message = fields.String()
    errors = fields.Dict()
    rule = fields.String()


class MutationResult(Schema):
    id = fields.Integer()
    status = fields.String(validate=validate.OneOf(["applied", "rejected"]))
    duplicate = fields.Boolean()
    error = fields.Nested(MutationError)


class PushOut(Schema):
    last_mutation_id = fields.Integer()
    server_time = UtcTime()
    results = fields.List(fields.Nested(MutationResult))


class PullIn(Schema):
    client_id = fields.UUID(required=True)
    protocol = fields.Integer(required=True, metadata={"example": 1})
    cursor = fields.String(allow_none=True, required=True)
    limit = fields.Integer(validate=validate.Range(min=1, max=1000))
    wait = fields.Float(validate=validate.Range(min=0, max=30), metadata={"description": "Long poll, seconds."})


class Change(Schema):
    entity = fields.String()
    id = fields.String()
    op = fields.String(validate=validate.OneOf(["put", "delete"]))
    data = fields.Dict()


class PullOut(Schema):
    cursor = fields.String()
    has_more = fields.Boolean()
    reset = fields.Boolean()
    last_mutation_id = fields.Integer()
    server_time = UtcTime()
    changes = fields.List(fields.Nested(Change))
    #: Only on a long poll the host could not hold (its waiter cap, or it shuts down):
    #: wait this long before the next pull (sync-protocol "Long poll", #16).
    retry_after_ms = fields.Integer()


# --- The mutation log as supervisors read it (sync-protocol "Mutation log").


class LoggedMutation(Out):
    """One mutation as the log keeps it; ``args``/``raw`` are ``null`` (``args_withheld``)
    where the reader may not read what its author wrote (R-SEC-10)."""

    client_id = fields.UUID()
    id = fields.Integer()
    name = fields.String()
    args = fields.Dict(allow_none=True, metadata={"description": "the args as loaded"})
    raw = fields.Dict(allow_none=True, metadata={"description": "the mutation as sent"})
    args_withheld = fields.Boolean()
    at = UtcTime(allow_none=True)
    status = fields.String(validate=validate.OneOf(["applied", "rejected"]))
    error = fields.Nested(MutationError, allow_none=True)
    staff_id = fields.UUID()
    branch_id = fields.UUID(allow_none=True)
    session_id = fields.UUID(allow_none=True)
    received_at = UtcTime(allow_none=True)
    sent_at = UtcTime(allow_none=True)
    skew_ms = fields.Integer(allow_none=True)
    happened_at = UtcTime(allow_none=True)
    clock_suspect = fields.Boolean()


class ClientQuota(Out):
    client_id = fields.UUID()
    staff_id = fields.UUID()
    rejected_since = UtcTime(allow_none=True)
    rejected_bytes = fields.Integer()
    refused_pushes = fields.Integer()
    last_refused_at = UtcTime(allow_none=True)


class ClientLog(ClientQuota):
    last_mutation_id = fields.Integer()


class RejectedPage(Out):
    """Rejected mutations of a branch, newest first, and the clients refused for them."""

    items = fields.List(fields.Nested(LoggedMutation))
    next_offset = fields.Integer(allow_none=True)
    refused_clients = fields.List(fields.Nested(ClientQuota))


class ClientMutationPage(Out):
    """One client's mutation log, newest first."""

    items = fields.List(fields.Nested(LoggedMutation))
    next_offset = fields.Integer(allow_none=True)
    client = fields.Nested(ClientLog)
