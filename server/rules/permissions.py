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
#: Who supervises the floor and reads every field record of the branch (R-SEC-2, R-SEC-6).
FIELD_SUPERVISORS = frozenset(
    {R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT, R.ADMIN}
)
#: Who reads floor rounds and coaching (R-OPS-1, R-OPS-2): no admin, no field role.
FLOOR_READERS = frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT})

#: role × entity: which roles' devices receive records of each entity (same branch).
ENTITY_READERS: dict[str, frozenset[str]] = {
    "branch": ALL_ROLES,
    "staff": ALL_ROLES,
    # Field ops part A (R-SEC-2/6/8, R-OPS-1/2). Field roles read their own records
    # through OWN_RECORD_READERS instead; supervisors read the whole branch.
    "shift": FIELD_SUPERVISORS,
    "roster_shift": FIELD_SUPERVISORS,
    "handover": FIELD_SUPERVISORS,
    "handover_item": FIELD_SUPERVISORS,
    "cleaning": FIELD_SUPERVISORS,
    # Guards check badges at the door, so they see the registry and who is on site.
    "contractor": FIELD_SUPERVISORS | {R.GUARD},
    "contractor_visit": FIELD_SUPERVISORS | {R.GUARD},
    # Round findings may quote customer-contact plans: customer-data roles only (R-SEC-10),
    # and of those the ones who supervise the floor.
    "floor_round": FLOOR_READERS,
    "coaching": FLOOR_READERS,
    # Part B (R-SEC-4, R-SEC-5): guards patrol and report; cleaners and on-site staff get
    # neither (least privilege); tellers and relationship managers have no part in security.
    "checkpoint": FIELD_SUPERVISORS | {R.GUARD},
    "patrol": FIELD_SUPERVISORS | {R.GUARD},
    "incident": FIELD_SUPERVISORS | {R.GUARD},
    # Compliance (#14): the branch's obligations reach those who supervise it.
    "obligation": FIELD_SUPERVISORS,
}

#: Entities whose records are routed to roles, not to everyone who reads the entity: a
#: record names its roles, and each role's devices read ``<branch>/<entity>/role/<role>``
#: (an alert reaches the roles responsible for its rule, #14).
ROLE_ROUTED_READERS: dict[str, frozenset[str]] = {
    "alert": frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT, R.ADMIN}),
}

#: role × entity: roles whose devices receive only the records *they are a party to*
#: (their own shift and planned shifts, a handover they give or receive, items they hold or are offered,
#: their own cleaning, their own contractor registration and visits). An ``onsite``
#: contractor's device gets nothing else of the branch (R-SEC-8, R-SEC-10); guards and
#: cleaners do not see colleagues' shifts.
OWN_RECORD_READERS: dict[str, frozenset[str]] = {
    "shift": R.FIELD_ROLES,
    "roster_shift": R.FIELD_ROLES,
    "handover": R.FIELD_ROLES,
    "handover_item": R.FIELD_ROLES,
    "cleaning": frozenset({R.CLEANER}),
    "contractor": frozenset({R.ONSITE}),
    "contractor_visit": frozenset({R.ONSITE}),
}

#: role × mutation: which roles may push each mutation (handlers add ownership checks).
MUTATION_ROLES: dict[str, frozenset[str]] = {
    # Field ops part A; owner/recipient/on-shift checks are the handlers' (R-SEC-2).
    "shift.start": R.FIELD_ROLES,
    "shift.end": R.FIELD_ROLES,
    "shift.handover": R.FIELD_ROLES,
    "shift.handover.accept": R.FIELD_ROLES,
    "handover.item.close": R.FIELD_ROLES | {R.OPERATIONS_MANAGER},
    "cleaning.record": frozenset({R.CLEANER}),
    "contractor.check_in": frozenset({R.ONSITE, R.GUARD}),
    "contractor.check_out": frozenset({R.ONSITE, R.GUARD}),
    "floor_round.record": frozenset({R.OPERATIONS_MANAGER}),
    "coaching.record": frozenset({R.OPERATIONS_MANAGER}),
    "patrol.record": frozenset({R.GUARD}),
    "incident.report": (FIELD_SUPERVISORS - {R.ADMIN}) | {R.GUARD},
    "incident.resolve": FIELD_SUPERVISORS - {R.ADMIN},
}

#: role × record kind maintained over REST (not by devices): who may write it.
RECORD_EDITORS: dict[str, frozenset[str]] = {
    "roster": frozenset({R.ADMIN, R.OPERATIONS_MANAGER}),
    "contractor": frozenset({R.ADMIN, R.OPERATIONS_MANAGER}),
    # Checkpoint codes are secrets: create, list, rotate, print labels (R-SEC-5).
    "checkpoint": frozenset({R.ADMIN, R.OPERATIONS_MANAGER}),
}

#: May create, list, rotate checkpoints and print their labels.
CHECKPOINT_ADMINS = RECORD_EDITORS["checkpoint"]
#: Who reads and loads the national working-day calendar (domain.md: admins manage calendars).
CALENDAR_ADMINS = frozenset({R.ADMIN})
#: May upload incident photos: whoever may report an incident (R-SEC-4).
PHOTO_UPLOADERS = MUTATION_ROLES["incident.report"]

#: Bumped when the tables above change meaning, so every device re-snapshots.
TABLE_VERSION = 2


def audience(branch_id: uuid.UUID | str | None, entity: str) -> str:
    """The audience key of ``entity`` records of one branch."""
    return f"{branch_id}/{entity}"


def own_audience(branch_id: uuid.UUID | str | None, entity: str, staff_id: uuid.UUID | str) -> str:
    """The audience key of the ``entity`` records one staff member is a party to."""
    return f"{branch_id}/{entity}/staff/{staff_id}"


def own_audiences_for(role: str, branch_id: uuid.UUID | None, staff_id: uuid.UUID) -> frozenset[str]:
    """The per-person audiences a device of ``role`` reads (see ``OWN_RECORD_READERS``)."""
    if branch_id is None:
        return frozenset()
    return frozenset(own_audience(branch_id, e, staff_id) for e, roles in OWN_RECORD_READERS.items() if role in roles)


def party_audiences(branch_id: uuid.UUID, entity: str, *staff_ids: uuid.UUID | None) -> set[str]:
    """Audiences of one ``entity`` record: the branch's, plus each party's own."""
    keys = {audience(branch_id, entity)}
    keys.update(own_audience(branch_id, entity, s) for s in staff_ids if s is not None)
    return keys


def role_audience(branch_id: uuid.UUID | str | None, entity: str, role: str) -> str:
    """The audience key of the ``entity`` records routed to ``role`` in one branch."""
    return f"{branch_id}/{entity}/role/{role}"


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
    routed = {role_audience(branch_id, e, role) for e, roles in ROLE_ROUTED_READERS.items() if role in roles}
    return frozenset({audience(branch_id, e) for e in readable_entities(role)} | routed)


def scope_fingerprint(role: str, branch_id: uuid.UUID | None) -> str:
    """Changes when the role, the branch or the table does: a device then re-snapshots."""
    raw = f"{TABLE_VERSION}|{role}|{branch_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]

def may_read_branch(role: str, own_branch: uuid.UUID | None, branch_id: uuid.UUID, entity: str) -> bool:
    """REST reads follow the pull table: ``role`` reads ``entity`` of its own branch;
    an administrator without a branch reads every branch."""
    if role not in ENTITY_READERS.get(entity, frozenset()):
        return False
    return own_branch == branch_id or (role == R.ADMIN and own_branch is None)
