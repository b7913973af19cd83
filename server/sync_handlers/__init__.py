"""Registers the domain's mutators, entities and scope rule with the sync engine."""
from __future__ import annotations

from sync import Registry

from . import cleaning, complaint, compliance, contractor, floor, handover, incident, org, patrol, shift, suggestion

#: Every feature's handlers, registered in this order (org first: its scope rule).
HANDLERS = (org, shift, handover, cleaning, contractor, floor, patrol, incident, suggestion, complaint, compliance)


def register(registry: Registry) -> None:
    """Called once per app by ``create_app``."""
    for module in HANDLERS:
        module.register(registry)
