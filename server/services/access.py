"""Who may read or edit a branch's records over REST (the permission table's view).

One answer for another branch's data: an unknown branch and a branch that is not the
caller's are both 404 ``not_found``, so a branch's existence does not leak (R-SEC-10);
the caller's own branch with a role that may not do the thing is 403 ``forbidden``.
"""
from __future__ import annotations

import uuid

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models.org import Branch, Staff
from ..rules import permissions as P
from ..rules import roles as R

#: REST readers are supervisory: field roles read their own records through sync only.
REST_READER_ROLES = P.FIELD_SUPERVISORS | P.FLOOR_READERS


def visible_branch(actor: Staff, branch_id: uuid.UUID) -> Branch:
    """The branch if it is ``actor``'s own (a global administrator: any), else 404."""
    branch = db.session.get(Branch, branch_id)
    global_admin = actor.role == R.ADMIN and actor.branch_id is None
    if branch is None or (actor.branch_id != branch.id and not global_admin):
        raise NotFound("No such branch.")
    return branch


def require_role(actor: Staff, branch_id: uuid.UUID, roles: frozenset[str] | set[str], message: str) -> Branch:
    """The branch (404 when not ``actor``'s), if ``actor``'s role is one of ``roles`` (403)."""
    branch = visible_branch(actor, branch_id)
    if actor.role not in roles:
        raise Forbidden(message)
    return branch


def require_reader(actor: Staff, branch_id: uuid.UUID, entity: str) -> Branch:
    """The branch, if ``actor`` may list its ``entity`` records (R-SEC-10): a supervisory
    role among the entity's readers, of that branch (a global administrator: any)."""
    readers = P.ENTITY_READERS.get(entity, frozenset()) & REST_READER_ROLES
    return require_role(actor, branch_id, readers, f"A {actor.role} cannot list {entity} records.")


def require_editor(actor: Staff, branch_id: uuid.UUID, kind: str) -> Branch:
    """The branch, if ``actor`` may maintain its ``kind`` records (``RECORD_EDITORS``)."""
    editors = P.RECORD_EDITORS.get(kind, frozenset())
    return require_role(actor, branch_id, editors, f"Only {', '.join(sorted(editors))} maintain the {kind}.")
