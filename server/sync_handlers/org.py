"""Pull entities of the organisation: ``branch`` and ``staff``; and the scope rule."""
from __future__ import annotations

import functools
import uuid

from sync import Entity, Principal, Registry, Scope

from ..models.org import Branch, Staff
from ..rules import permissions as P
from ..rules import settings as S


def _staff_audiences(staff: Staff) -> set[str]:
    # A deactivated member leaves every device's copy (comes back as a delete).
    return P.staff_audiences(staff.branch_id, staff.id, staff.role) if staff.active and staff.branch_id else set()


def _branch_data(branch: Branch) -> dict:
    """The branch and its effective settings: every rule's value for this branch, the
    default where the branch set none (read through ``rules.settings.value``), so a device
    never repeats the manual's defaults (#15)."""
    data = branch.to_dict()
    data["effective_settings"] = {key: S.value(branch, key) for key in S.DEFAULTS}
    return data


def _staff_view(audience: str, data: dict) -> dict:
    """Login names reach administrators only (#12, R-SEC-10)."""
    if P.shows_login_names(audience):
        return data
    return {key: value for key, value in data.items() if key != "employee_no"}


def scope_for(principal: Principal) -> Scope:
    """A device reads its role's entities of its own branch (R-SEC-10)."""
    return _scope(principal.role, principal.branch_id, principal.staff_id)


@functools.lru_cache(maxsize=4096)
def _scope(role: str, branch_id: uuid.UUID | None, staff_id: uuid.UUID) -> Scope:
    # Pure in its arguments (the permission tables are constants, and role and branch
    # are read from the database on every request), so every pull of one member reuses
    # it instead of rebuilding a dozen audience keys and a SHA-256 (#3).
    return Scope(
        audiences=P.audiences_for(role, branch_id) | P.own_audiences_for(role, branch_id, staff_id),
        fingerprint=P.scope_fingerprint(role, branch_id),
    )


def register(registry: Registry) -> None:
    """Register the org entities and the scope resolver."""
    registry.add_entity(
        Entity(name="branch", serialize=_branch_data, audiences=lambda b: {P.audience(b.id, "branch")})
    )
    registry.add_entity(
        Entity(name="staff", serialize=Staff.public_dict, audiences=_staff_audiences, view=_staff_view)
    )
    registry.set_scope_resolver(scope_for)
