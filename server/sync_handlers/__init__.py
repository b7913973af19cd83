"""Registers the domain's mutators, entities and scope rule with the sync engine."""
from __future__ import annotations

from sync.registry import Registry


def register(registry: Registry) -> None:
    """Called once per app by ``create_app``."""
    from . import org

    org.register(registry)

    from . import cleaning, complaint, compliance, contractor, floor, patrol, shift, suggestion

    shift.register(registry)
    cleaning.register(registry)
    contractor.register(registry)
    floor.register(registry)
    patrol.register(registry)
    suggestion.register(registry)
    complaint.register(registry)
    compliance.register(registry)
