"""Schemas of the sync supervision endpoints (the push/pull envelope is ``sync.protocol``)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


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
    sent_at = fields.AwareDateTime(required=True)
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
    server_time = fields.AwareDateTime()
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
    server_time = fields.AwareDateTime()
    changes = fields.List(fields.Nested(Change))
    #: Only on a long poll the host could not hold (its waiter cap, or it shuts down):
    #: wait this long before the next pull (sync-protocol "Long poll", #16).
    retry_after_ms = fields.Integer()
