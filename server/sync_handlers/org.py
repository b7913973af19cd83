"""Pull entities of the organisation: ``branch`` and ``staff``; and the scope rule."""
from __future__ import annotations

from sync.registry import Entity, Principal, Registry, Scope

from ..models.org import Branch, Staff
from ..rules import permissions as P


def _staff_audiences(staff: Staff) -> set[str]:
    # A deactivated member leaves every device's copy (comes back as a delete).
    return {P.audience(staff.branch_id, "staff")} if staff.active and staff.branch_id else set()


def scope_for(principal: Principal) -> Scope:
    """A device reads its role's entities of its own branch (R-SEC-10)."""
    return Scope(
        audiences=P.audiences_for(principal.role, principal.branch_id)
        | P.own_audiences_for(principal.role, principal.branch_id, principal.staff_id),
        fingerprint=P.scope_fingerprint(principal.role, principal.branch_id),
    )


def register(registry: Registry) -> None:
    """Register the org entities and the scope resolver."""
    registry.add_entity(
        Entity(name="branch", serialize=Branch.to_dict, audiences=lambda b: {P.audience(b.id, "branch")})
    )
    registry.add_entity(Entity(name="staff", serialize=Staff.public_dict, audiences=_staff_audiences))
    registry.set_scope_resolver(scope_for)
