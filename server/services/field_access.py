"""Who may read or edit a branch's field records over REST (the permission table's view)."""
from __future__ import annotations

import uuid

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models.org import Branch, Staff
from ..rules import permissions as P
from ..rules import roles as R

#: REST readers are supervisory: field roles read their own records through sync only.
REST_READER_ROLES = P.FIELD_SUPERVISORS | P.FLOOR_READERS


def _branch(actor: Staff, branch_id: uuid.UUID) -> Branch:
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        raise NotFound(f"No branch {branch_id}.")
    global_admin = actor.role == R.ADMIN and actor.branch_id is None
    if actor.branch_id != branch.id and not global_admin:
        raise Forbidden("You can only see your own branch.", code="not_your_branch")
    return branch


def require_reader(actor: Staff, branch_id: uuid.UUID, entity: str) -> Branch:
    """The branch, if ``actor`` may list its ``entity`` records (R-SEC-10): a supervisory
    role among the entity's readers, of that branch (a global administrator: any)."""
    branch = _branch(actor, branch_id)
    if actor.role not in P.ENTITY_READERS.get(entity, frozenset()) or actor.role not in REST_READER_ROLES:
        raise Forbidden(f"A {actor.role} cannot list {entity} records.")
    return branch


def require_editor(actor: Staff, branch_id: uuid.UUID, kind: str) -> Branch:
    """The branch, if ``actor`` may maintain its ``kind`` records (``RECORD_EDITORS``)."""
    branch = _branch(actor, branch_id)
    if actor.role not in P.RECORD_EDITORS.get(kind, frozenset()):
        raise Forbidden(f"Only {', '.join(sorted(P.RECORD_EDITORS[kind]))} maintain the {kind}.")
    return branch
