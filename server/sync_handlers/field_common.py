"""Glue shared by the field-ops part A handlers: run a service, publish what it touched."""
from __future__ import annotations

from typing import Any, Callable

from sync.context import MutationContext

from ..services.field_common import Affected

Service = Callable[..., Affected]


def publish(ctx: MutationContext, service: Service, args: dict[str, Any]) -> list[str]:
    """Run ``service(session, principal, args, times)`` and ``ctx.put`` every record it
    touched; returns their ids (for the engine's log)."""
    affected = service(ctx.session, ctx.principal, args, ctx.times)
    for entity, obj in affected:
        ctx.put(entity, obj)
    return [str(obj.id) for _, obj in affected]
