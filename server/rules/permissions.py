"""Who may do and see what: the one permission table (R-SEC-10).

``MUTATION_ROLES`` (role × mutation) is what the sync engine checks on push;
``ENTITY_READERS`` (role × entity) decides the audiences a device pulls. Both are plain
data so a test can walk the whole table. Audience keys are ``"<branch_id>/<entity>"``:
a record is written to the audiences of its branch, a device reads the audiences its
role may read in its own branch, so another branch's records never reach it.
"""
from __future__ import annotations

import hashlib
import uuid

from . import roles as R

ALL_ROLES = frozenset(R.ROLES)
BANK_STAFF = ALL_ROLES - {R.ONSITE}

#: role × entity: which roles' devices receive records of each entity (same branch).
ENTITY_READERS: dict[str, frozenset[str]] = {
    "branch": ALL_ROLES,
    "staff": ALL_ROLES,
}

#: role × mutation: which roles may push each mutation (handlers add ownership checks).
MUTATION_ROLES: dict[str, frozenset[str]] = {}

#: Bumped when the tables above change meaning, so every device re-snapshots.
TABLE_VERSION = 1


def audience(branch_id: uuid.UUID | str | None, entity: str) -> str:
    """The audience key of ``entity`` records of one branch."""
    return f"{branch_id}/{entity}"


def readable_entities(role: str) -> frozenset[str]:
    """Entities a role's devices receive."""
    return frozenset(e for e, readers in ENTITY_READERS.items() if role in readers)


def roles_for(mutation: str) -> frozenset[str]:
    """Roles allowed to push ``mutation``; unknown mutations allow nobody."""
    return MUTATION_ROLES.get(mutation, frozenset())


def audiences_for(role: str, branch_id: uuid.UUID | None) -> frozenset[str]:
    """Every audience a device of ``role`` in ``branch_id`` reads (none without a branch)."""
    if branch_id is None:
        return frozenset()
    return frozenset(audience(branch_id, e) for e in readable_entities(role))


def scope_fingerprint(role: str, branch_id: uuid.UUID | None) -> str:
    """Changes when the role, the branch or the table does: a device then re-snapshots."""
    raw = f"{TABLE_VERSION}|{role}|{branch_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]

# --- Field operations PART B: checkpoints, patrols, incidents, photos (R-SEC-4, R-SEC-5) ---
#: Branch supervisors who follow patrols and incidents (lobby manager sees patrol alerts).
FIELD_SUPERVISORS = frozenset(
    {R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT, R.ADMIN}
)
# Guards patrol and report; cleaners and on-site staff get neither (least privilege);
# tellers and relationship managers have no part in security work.
ENTITY_READERS["checkpoint"] = frozenset({R.GUARD}) | FIELD_SUPERVISORS
ENTITY_READERS["patrol"] = frozenset({R.GUARD}) | FIELD_SUPERVISORS
ENTITY_READERS["incident"] = frozenset({R.GUARD}) | FIELD_SUPERVISORS
MUTATION_ROLES["patrol.record"] = frozenset({R.GUARD})
MUTATION_ROLES["incident.report"] = frozenset({R.GUARD}) | FIELD_SUPERVISORS - {R.ADMIN}
MUTATION_ROLES["incident.resolve"] = FIELD_SUPERVISORS - {R.ADMIN}
#: May create, list, rotate checkpoints and print their labels (the codes are secrets).
CHECKPOINT_ADMINS = frozenset({R.ADMIN, R.OPERATIONS_MANAGER})
#: May upload incident photos: whoever may report an incident.
PHOTO_UPLOADERS = MUTATION_ROLES["incident.report"]


def may_read_branch(role: str, own_branch: uuid.UUID | None, branch_id: uuid.UUID, entity: str) -> bool:
    """REST reads follow the pull table: ``role`` reads ``entity`` of its own branch;
    an administrator without a branch reads every branch."""
    if role not in ENTITY_READERS.get(entity, frozenset()):
        return False
    return own_branch == branch_id or (role == R.ADMIN and own_branch is None)
