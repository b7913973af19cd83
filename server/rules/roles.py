"""Role ids of ``domain.md`` ("People and roles") and who may hold customer data (R-SEC-10)."""
from __future__ import annotations

GUARD = "guard"
CLEANER = "cleaner"
ONSITE = "onsite"
TELLER = "teller"
RELATIONSHIP_MANAGER = "relationship_manager"
LOBBY_MANAGER = "lobby_manager"
SERVICE_QUALITY_OFFICER = "service_quality_officer"
OPERATIONS_MANAGER = "operations_manager"
BRANCH_PRESIDENT = "branch_president"
REGIONAL_OFFICER = "regional_officer"
ADMIN = "admin"

ROLES: tuple[str, ...] = (
    GUARD,
    CLEANER,
    ONSITE,
    TELLER,
    RELATIONSHIP_MANAGER,
    LOBBY_MANAGER,
    SERVICE_QUALITY_OFFICER,
    OPERATIONS_MANAGER,
    BRANCH_PRESIDENT,
    REGIONAL_OFFICER,
    ADMIN,
)

#: Field staff: their devices never hold customer data (R-SEC-10).
FIELD_ROLES = frozenset({GUARD, CLEANER, ONSITE})

#: "teller and above in the same branch" may receive customer data (R-SEC-10).
CUSTOMER_DATA_ROLES = frozenset(
    {TELLER, RELATIONSHIP_MANAGER, LOBBY_MANAGER, SERVICE_QUALITY_OFFICER, OPERATIONS_MANAGER, BRANCH_PRESIDENT}
)

#: May revoke any device session of their branch (sync-protocol: Sessions).
SESSION_REVOKERS = frozenset({ADMIN, OPERATIONS_MANAGER})

#: Supervisors: may list a branch's rejected mutations and any client's mutation log.
SUPERVISORS = frozenset({ADMIN, OPERATIONS_MANAGER})
