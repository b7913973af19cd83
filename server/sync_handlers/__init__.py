"""Registers the domain's mutators, entities and scope rule with the sync engine."""
from __future__ import annotations

from sync.registry import Registry


def register(registry: Registry) -> None:
    """Called once per app by ``create_app``."""
    from . import org

    org.register(registry)

    from . import cleaning, compliance, contractor, floor, patrol, shift

    shift.register(registry)
    cleaning.register(registry)
    contractor.register(registry)
    floor.register(registry)
    patrol.register(registry)
    compliance.register(registry)
