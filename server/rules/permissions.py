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
from functools import lru_cache
from typing import Any

from . import roles as R

ALL_ROLES = frozenset(R.ROLES)
BANK_STAFF = ALL_ROLES - {R.ONSITE}
#: Who supervises the floor and reads every field record of the branch (R-SEC-2, R-SEC-6).
FIELD_SUPERVISORS = frozenset(
    {R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT, R.ADMIN}
)
#: Who reads floor rounds and coaching (R-OPS-1, R-OPS-2): no admin, no field role.
FLOOR_READERS = frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT})

#: Who reads the suggestion box (R-BOX-1..4): its keeper and the branch's supervisors.
BOX_READERS = frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT})
#: Who works complaint cases: takers (teller and above, R-CMP-5) and, for cases escalated
#: to the parent branch, regional officers (R-SEC-10). Ownership checks are the handlers'.
COMPLAINT_WORKERS = R.CUSTOMER_DATA_ROLES | {R.REGIONAL_OFFICER}
#: Audience of complaints escalated to the parent branch's functional department: read by
#: regional officers whatever their own branch (R-SEC-10 "regional_officer for escalated cases").
REGIONAL_COMPLAINTS = "regional/complaint"

#: role × entity: which roles' devices receive records of each entity (same branch).
ENTITY_READERS: dict[str, frozenset[str]] = {
    "branch": ALL_ROLES,
    "staff": ALL_ROLES,
    # Shifts, handovers, cleaning, contractors, floor (R-SEC-2/6/8, R-OPS-1/2). Field roles read their own records
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
    # Patrols and incidents (R-SEC-4, R-SEC-5): guards patrol and report; cleaners and on-site staff get
    # neither (least privilege); tellers and relationship managers have no part in security.
    "checkpoint": FIELD_SUPERVISORS | {R.GUARD},
    "patrol": FIELD_SUPERVISORS | {R.GUARD},
    "incident": FIELD_SUPERVISORS | {R.GUARD},
    # The lobby (R-BOX-*, R-CMP-*): customer names, contacts and complaint text, so only
    # customer-data roles of the branch (R-SEC-10). The box is the lobby manager's work,
    # read by those who supervise it; every customer-data role works on complaints.
    "box_session": BOX_READERS,
    "box_entry": BOX_READERS,
    "box_callback": BOX_READERS,
    "complaint": R.CUSTOMER_DATA_ROLES,
    # Compliance (#14): the branch's obligations reach those who supervise it.
    "obligation": FIELD_SUPERVISORS,
}

#: Entities whose records are routed to roles, not to everyone who reads the entity: a
#: record names its roles, and each role's devices read ``<branch>/<entity>/role/<role>``
#: (an alert reaches the roles responsible for its rule, #14).
#: rule -> roles (beyond the supervisors) its obligations are routed to: a guard's hour
#: grid shows the server's verdict of the self-service area's patrol hours (R-SEC-5; its
#: obligations name an area, patrols and device watermarks, no customer data, R-SEC-10).
#: No other rule's obligation reaches a field role.
OBLIGATION_ROUTES: dict[str, frozenset[str]] = {"R-SEC-5": frozenset({R.GUARD})}

ROLE_ROUTED_READERS: dict[str, frozenset[str]] = {
    "alert": frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER, R.BRANCH_PRESIDENT, R.ADMIN}),
    "obligation": frozenset().union(*OBLIGATION_ROUTES.values()),
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
    # A field role outside its own STAFF_COLLEAGUES still receives its own staff record.
    "staff": frozenset({R.ONSITE}),
}

#: role × roles: whose staff records a field role's devices receive — the people it works
#: with in its branch (R-SEC-10, #12): guards and cleaners their own trade, and the lobby
#: manager and operations manager who direct them (R-SEC-2, R-SEC-7); guards also the
#: on-site contractors whose badges they check (R-SEC-8); on-site contractors nobody but
#: themselves. Every other role reads the whole branch's staff.
STAFF_COLLEAGUES: dict[str, frozenset[str]] = {
    R.GUARD: frozenset({R.GUARD, R.ONSITE, R.LOBBY_MANAGER, R.OPERATIONS_MANAGER}),
    R.CLEANER: frozenset({R.CLEANER, R.LOBBY_MANAGER, R.OPERATIONS_MANAGER}),
    R.ONSITE: frozenset(),
}
#: Who receives login names (``employee_no``) in pulls: administrators only (#12).
LOGIN_NAME_READERS = frozenset({R.ADMIN})
#: The staff audience that carries login names (``"<branch_id>/staff.login"``).
_LOGIN_VIEW = "staff.login"

#: role × mutation: which roles may push each mutation (handlers add ownership checks).
MUTATION_ROLES: dict[str, frozenset[str]] = {
    # Owner/recipient/on-shift checks are the handlers' (R-SEC-2).
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
    # The lobby: the box is the lobby manager's (R-BOX-1); complaints are taken by teller
    # and above (R-CMP-5) and worked by their owner (checked by the handlers).
    "box.open": frozenset({R.LOBBY_MANAGER}),
    "box.entry": frozenset({R.LOBBY_MANAGER}),
    "box.reply": frozenset({R.LOBBY_MANAGER}),
    "box.callback": frozenset({R.LOBBY_MANAGER}),
    "box.close": frozenset({R.LOBBY_MANAGER}),
    "statistics.file": frozenset({R.LOBBY_MANAGER}),  # R-CMP-10
    "complaint.open": R.CUSTOMER_DATA_ROLES,
    **{f"complaint.{verb}": COMPLAINT_WORKERS for verb in (
        "escalate", "handover", "promise", "extend", "appraisal", "resolve", "contact", "note", "report",
    )},
    # Compliance (#14): whoever an alert is routed to acknowledges it (the handler checks
    # the routing); a supervisor of the branch excuses an obligation.
    "alert.acknowledge": frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER,
                                    R.BRANCH_PRESIDENT, R.ADMIN}),
    "obligation.excuse": frozenset({R.LOBBY_MANAGER, R.SERVICE_QUALITY_OFFICER, R.OPERATIONS_MANAGER,
                                    R.BRANCH_PRESIDENT}),
}

#: mutation × entity: the records each mutation's args describe. Whoever reads a mutation
#: log row's ``args`` must be allowed to read these records (R-SEC-10): the log is no second
#: read path around ``ENTITY_READERS``. A mutation missing here describes nothing anyone may
#: read (its args are withheld from everyone).
MUTATION_ENTITY: dict[str, str] = {
    "shift.start": "shift",
    "shift.end": "shift",
    "shift.handover": "handover",
    "shift.handover.accept": "handover",
    "handover.item.close": "handover_item",
    "cleaning.record": "cleaning",
    "contractor.check_in": "contractor_visit",
    "contractor.check_out": "contractor_visit",
    "floor_round.record": "floor_round",
    "coaching.record": "coaching",
    "patrol.record": "patrol",
    "incident.report": "incident",
    "incident.resolve": "incident",
    "box.open": "box_session",
    "box.close": "box_session",
    "box.entry": "box_entry",
    "box.reply": "box_entry",
    "box.callback": "box_callback",
    **{name: "complaint" for name in MUTATION_ROLES if name.startswith("complaint.")},
    "alert.acknowledge": "alert",
    "obligation.excuse": "obligation",
    # A day's filing (R-CMP-10) is the evidence of its obligation; its args name a date only.
    "statistics.file": "obligation",
}

#: Entities whose records carry free text that a customer-data role may write (R-SEC-10,
#: #12): a record's data names such text in ``customer_text``; readers outside
#: ``CUSTOMER_DATA_ROLES`` read these entities from a ``.plain`` audience (and over REST)
#: with that text withheld.
#: The contractor registry's ``scope_note``/``revoked_reason`` count as such text: its
#: editors write them over REST and no author is kept (guards and the contractor's own
#: device read the registry plain).
TEXT_ENTITIES = frozenset({"incident", "handover_item", "roster_shift", "contractor"})
_PLAIN = ".plain"

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
#: Who corrects reference data such as the JR/T 0169-2018 complaint classification.
REFERENCE_ADMINS = frozenset({R.ADMIN})
#: Who reads the lobby's daily statistics (R-CMP-10): counts, no customer data; regional
#: officers across branches.
STATISTICS_READERS = BOX_READERS | {R.REGIONAL_OFFICER}
#: May upload incident photos: whoever may report an incident (R-SEC-4).
PHOTO_UPLOADERS = MUTATION_ROLES["incident.report"]

#: Bumped when the tables above change meaning, so every device re-snapshots.
TABLE_VERSION = 6


def may_read_free_text(reader_role: str, author_role: str | None) -> bool:
    """Whether ``reader_role`` may read free text that a member of ``author_role`` wrote.

    Text written by a customer-data role may name a customer (a complaint quoted in an
    incident, a phone number in a resolution): only customer-data roles read it (R-SEC-10).
    Text a field role or an administrator wrote reaches every reader of its record. An
    unknown author counts as a customer-data role.
    """
    if reader_role in R.CUSTOMER_DATA_ROLES:
        return True
    return author_role is not None and author_role not in R.CUSTOMER_DATA_ROLES


def written_by_customer_data_role(author_role: str | None) -> bool:
    """True when free text by ``author_role`` may name a customer (an unknown author may)."""
    return author_role is None or author_role in R.CUSTOMER_DATA_ROLES


def without_customer_text(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each field that ``data["customer_text"]`` names withheld (``None``)
    and ``text_withheld: true``; ``data`` itself when it names none."""
    names = data.get("customer_text") or ()
    if not names:
        return data
    return {**data, **{name: None for name in names}, "text_withheld": True}


def text_for(reader_role: str, value: Any) -> Any:
    """What ``reader_role`` reads of a REST answer ``value`` (any JSON-able nesting):
    customer-data roles all of it, everyone else every record in it without the free
    text a customer-data role wrote (each dict naming ``customer_text``)."""
    return value if reader_role in R.CUSTOMER_DATA_ROLES else _withhold_deep(value)


def _withhold_deep(value: Any) -> Any:
    if isinstance(value, dict):
        shown = without_customer_text(value) if value.get("customer_text") else value
        return {key: _withhold_deep(item) for key, item in shown.items()}
    if isinstance(value, (list, tuple)):
        return [_withhold_deep(item) for item in value]
    return value


def text_audiences(branch_id: uuid.UUID, entity: str) -> set[str]:
    """The branch audiences of an ``entity`` record: with a ``.plain`` twin for a text entity."""
    key = audience(branch_id, entity)
    return {key, key + _PLAIN} if entity in TEXT_ENTITIES else {key}


def text_view(audience_key: str, data: dict[str, Any]) -> dict[str, Any]:
    """What one audience receives of a text entity's ``data`` (the engine's ``Entity.view``):
    a ``.plain`` audience, and a party's own audience (read by field roles only), get it
    without the free text a customer-data role wrote."""
    if audience_key.endswith(_PLAIN) or "/staff/" in audience_key:
        return without_customer_text(data)
    return data


def readers_of(entity: str) -> frozenset[str]:
    """Every role that reads some ``entity`` records: by the entity, or routed to it (alerts)."""
    return ENTITY_READERS.get(entity, frozenset()) | ROLE_ROUTED_READERS.get(entity, frozenset())


def may_read_args(reader_role: str, author_role: str | None, mutation: str | None) -> bool:
    """Whether ``reader_role`` may read the ``args`` a member of ``author_role`` sent with
    ``mutation`` (the mutation log, R-SEC-10): only when it reads the records the args
    describe (``MUTATION_ENTITY`` × ``readers_of``) and the author's free text."""
    entity = MUTATION_ENTITY.get(mutation or "")
    if entity is None or reader_role not in readers_of(entity):
        return False
    return may_read_free_text(reader_role, author_role)


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
    """Audiences of one ``entity`` record: the branch's (and its ``.plain`` twin for a
    text entity, :func:`text_audiences`), plus each party's own."""
    keys = text_audiences(branch_id, entity)
    keys.update(own_audience(branch_id, entity, s) for s in staff_ids if s is not None)
    return keys


def staff_audiences(branch_id: uuid.UUID, staff_id: uuid.UUID, role: str) -> set[str]:
    """Audiences of an active staff record of ``role``: the branch's (without login names),
    the administrators' (with them), its trade's (for field colleagues) and, for a role
    that reads no colleague of its own trade, its own. A record is in at most one audience
    of any scope (a device never receives it twice)."""
    keys = {audience(branch_id, "staff"), audience(branch_id, _LOGIN_VIEW)}
    if role in OWN_RECORD_READERS["staff"]:
        keys.add(own_audience(branch_id, "staff", staff_id))
    if any(role in colleagues for colleagues in STAFF_COLLEAGUES.values()):
        keys.add(audience(branch_id, f"staff.{role}"))
    return keys


def staff_audiences_for(role: str, branch_id: uuid.UUID) -> frozenset[str]:
    """The staff audiences a device of ``role`` reads (its own record comes through
    ``OWN_RECORD_READERS``)."""
    if role in STAFF_COLLEAGUES:
        return frozenset(audience(branch_id, f"staff.{r}") for r in STAFF_COLLEAGUES[role])
    return frozenset({audience(branch_id, _LOGIN_VIEW if role in LOGIN_NAME_READERS else "staff")})


def shows_login_names(audience_key: str) -> bool:
    """True for the one staff audience whose records carry ``employee_no``."""
    return audience_key.endswith("/" + _LOGIN_VIEW)
def role_audience(branch_id: uuid.UUID | str | None, entity: str, role: str) -> str:
    """The audience key of the ``entity`` records routed to ``role`` in one branch."""
    return f"{branch_id}/{entity}/role/{role}"


@lru_cache(maxsize=65536)
def obligation_audiences(branch_id: uuid.UUID | str | None, rule: str) -> frozenset[str]:
    """Audiences of one obligation: the branch's supervisors', plus each role its rule is
    routed to (``OBLIGATION_ROUTES``). Remembered: a compliance day publishes ~90,000
    obligations of a few rules per branch (#14 "Speed")."""
    return frozenset({audience(branch_id, "obligation")} | {
        role_audience(branch_id, "obligation", role) for role in OBLIGATION_ROUTES.get(rule, ())})


def readable_entities(role: str) -> frozenset[str]:
    """Entities a role's devices receive."""
    return frozenset(e for e, readers in ENTITY_READERS.items() if role in readers)


def roles_for(mutation: str) -> frozenset[str]:
    """Roles allowed to push ``mutation``; unknown mutations allow nobody."""
    return MUTATION_ROLES.get(mutation, frozenset())


def audiences_for(role: str, branch_id: uuid.UUID | None) -> frozenset[str]:
    """Every audience a device of ``role`` in ``branch_id`` reads (none without a branch)."""
    regional = frozenset({REGIONAL_COMPLAINTS}) if role == R.REGIONAL_OFFICER else frozenset()
    if branch_id is None:
        return regional
    plain = role not in R.CUSTOMER_DATA_ROLES
    keys = frozenset(
        audience(branch_id, e) + (_PLAIN if plain and e in TEXT_ENTITIES else "")
        for e in readable_entities(role) if e != "staff"
    )
    routed = {role_audience(branch_id, e, role) for e, roles in ROLE_ROUTED_READERS.items() if role in roles}
    return regional | keys | staff_audiences_for(role, branch_id) | routed


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
