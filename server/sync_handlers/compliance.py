"""Pull entities of compliance (#14): ``obligation`` (to the branch's supervisors) and
``alert`` (to the roles its rule routes it to)."""
from __future__ import annotations

from sync.registry import Entity, Registry

from ..models.alert import Alert
from ..models.compliance import Obligation
from ..rules import permissions as P


def _alert_audiences(alert: Alert) -> set[str]:
    return {P.role_audience(alert.branch_id, "alert", role) for role in alert.roles or ()}


def register(registry: Registry) -> None:
    """Register the ``obligation`` and ``alert`` entities."""
    registry.add_entity(
        Entity(name="obligation", serialize=Obligation.to_dict, audiences=lambda o: {P.audience(o.branch_id, "obligation")})
    )
    registry.add_entity(Entity(name="alert", serialize=Alert.to_dict, audiences=_alert_audiences))
