"""A phone's report that it lost records it had sent (#15, sync-protocol "A wiped device")."""
from __future__ import annotations

from marshmallow import fields, validate

from .base import Args


class LostRecordsArgs(Args):
    """What the device counted: the last mutation id it still knows it numbered. The
    server takes its own ``last_mutation_id`` for the client; the difference is the loss."""

    device_last_mutation_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0),
        metadata={"description": "the device's own counter minus one, when it noticed the loss"})
