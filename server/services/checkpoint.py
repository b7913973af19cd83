"""Checkpoints: create, list, rotate their secret codes, seed the demo's (R-SEC-5).

A code is ``secrets.token_urlsafe`` — unguessable, so a device knows it only by scanning
the printed label. Rotation retires the current code (kept, so a stale scan is told
apart from a made-up one) and issues a new one; labels must then be reprinted.
Callers pass the acting staff member, or ``None`` for the trusted CLI.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models.org import Branch, Staff
from ..models.patrol import Checkpoint, CheckpointCode
from ..rules import patrol as PR
from ..rules import permissions as P
from ..sync_setup import record_put
from .access import require_role

#: Random bytes in a code (``token_urlsafe`` gives ~1.3 characters per byte).
CODE_BYTES = 16


@dataclass(frozen=True)
class CheckpointWithCode:
    """A checkpoint and its current secret code (for administrators and labels only)."""

    checkpoint: Checkpoint
    code: str

    def to_dict(self) -> dict:
        return {**self.checkpoint.public_dict(), "code": self.code}


def _authorise(actor: Staff | None, branch_id: uuid.UUID) -> None:
    if actor is None:
        return
    require_role(actor, branch_id, P.CHECKPOINT_ADMINS,
                 "Only an administrator or the operations manager manages checkpoints.")


def _branch(branch_id: uuid.UUID) -> Branch:
    branch = db.session.get(Branch, branch_id)
    if branch is None:
        raise NotFound("No such branch.")
    return branch


def _new_code(checkpoint_id: uuid.UUID, now: datetime) -> CheckpointCode:
    row = CheckpointCode(checkpoint_id=checkpoint_id, code=secrets.token_urlsafe(CODE_BYTES), issued_at=now)
    db.session.add(row)
    return row


def create_checkpoint(
    actor: Staff | None, branch_id: uuid.UUID, area: str, name_zh: str, name_en: str, now: datetime
) -> CheckpointWithCode:
    """Create a checkpoint with a fresh code and publish it to devices (commits).

    Raises :class:`ValidationFailed` for an unknown area, :class:`Conflict`
    ``checkpoint_exists`` for a second checkpoint of one name in one area.
    """
    _authorise(actor, branch_id)
    created = _create(branch_id, area, name_zh, name_en, now)
    db.session.commit()
    return created


def _create(branch_id: uuid.UUID, area: str, name_zh: str, name_en: str, now: datetime) -> CheckpointWithCode:
    _branch(branch_id)
    if area not in PR.AREAS:
        raise ValidationFailed({"area": [f"Must be one of: {', '.join(PR.AREAS)}."]})
    taken = select(Checkpoint.id).where(
        Checkpoint.branch_id == branch_id, Checkpoint.area == area, Checkpoint.name_en == name_en
    )
    if db.session.scalar(taken):
        raise Conflict(f"A checkpoint {name_en!r} exists in {area}.", code="checkpoint_exists")
    cp = Checkpoint(
        branch_id=branch_id, area=area, name_zh=name_zh, name_en=name_en, active=True, created_at=now, updated_at=now
    )
    db.session.add(cp)
    db.session.flush()
    code = _new_code(cp.id, now)
    record_put("checkpoint", cp)
    return CheckpointWithCode(cp, code.code)


def list_checkpoints(actor: Staff | None, branch_id: uuid.UUID) -> list[CheckpointWithCode]:
    """The branch's checkpoints with their current codes, by area and name."""
    _authorise(actor, branch_id)
    _branch(branch_id)
    rows = db.session.execute(
        select(Checkpoint, CheckpointCode.code)
        .join(CheckpointCode, CheckpointCode.checkpoint_id == Checkpoint.id)
        .where(Checkpoint.branch_id == branch_id, CheckpointCode.retired_at.is_(None))
        .order_by(Checkpoint.area, Checkpoint.name_en)
    ).all()
    return [CheckpointWithCode(cp, code) for cp, code in rows]


def rotate(actor: Staff | None, checkpoint_id: uuid.UUID, now: datetime) -> CheckpointWithCode:
    """Retire the checkpoint's current code and issue a new one (commits).

    From now on the old code is refused with ``checkpoint_code_rotated``, except for a
    patrol that happened before this instant on a trustworthy clock (offline before the
    rotation, ``rules.patrol.judge_code``).
    """
    cp = db.session.get(Checkpoint, checkpoint_id)
    if cp is None:
        raise NotFound("No such checkpoint.")
    _authorise(actor, cp.branch_id)
    for old in db.session.scalars(
        select(CheckpointCode).where(CheckpointCode.checkpoint_id == cp.id, CheckpointCode.retired_at.is_(None))
    ):
        old.retired_at = now
    code = _new_code(cp.id, now)
    cp.updated_at = now
    record_put("checkpoint", cp)
    db.session.commit()
    return CheckpointWithCode(cp, code.code)


def find_by_name(branch_code: str, area: str) -> list[Checkpoint]:
    """Checkpoints of an area of the branch with code ``branch_code`` (CLI helper)."""
    branch = db.session.scalar(select(Branch).where(Branch.code == branch_code))
    if branch is None:
        raise NotFound(f"No branch with code {branch_code!r}.")
    return list(db.session.scalars(select(Checkpoint).where(Checkpoint.branch_id == branch.id, Checkpoint.area == area)))


def seed_demo_checkpoints(branch: Branch, now: datetime) -> dict:
    """Demo seeder: the self-service checkpoint of the demo branch (idempotent).

    Re-seeding keeps the checkpoint and its current code (a rotated code stays rotated).
    Returns ``{"checkpoints": {"self_service": "<code>"}}`` for ``seed-demo --json``.
    """
    zh, en = PR.AREAS[PR.SELF_SERVICE]
    existing = [c for c in list_checkpoints(None, branch.id) if c.checkpoint.area == PR.SELF_SERVICE]
    found = next((c for c in existing if c.checkpoint.name_en == en), None)
    if found is None:
        found = _create(branch.id, PR.SELF_SERVICE, zh, en, now)
    return {"checkpoints": {PR.SELF_SERVICE: found.code}}

