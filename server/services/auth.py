"""Device sessions: login, bearer authentication, logout and revocation (sync-protocol: Sessions)."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, TypeVar

from flask import current_app
from sqlalchemy import String, Uuid, bindparam, select, update

from sync import Confirm, Principal, SyncError, Unconfirmed, UtcDateTime, carries_writes

from ..db_events import begin_reads
from ..errors import Forbidden, InvalidCredentials, NotFound, TooManyAttempts, Unauthenticated
from ..extensions import db
from ..models.org import DeviceSession, Staff
from ..rules.roles import ADMIN, SESSION_REVOKERS
from .passwords import hash_password, needs_rehash, verify_password
from .throttle import DbThrottle, RedisThrottle, Throttle

#: last_seen_at is written at most this often, so reads stay reads.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class Authenticated:
    """The result of authenticating a bearer token."""

    session: DeviceSession
    staff: Staff

    @property
    def principal(self) -> Principal:
        return Principal(
            staff_id=self.staff.id, role=self.staff.role, branch_id=self.staff.branch_id, session_id=self.session.id
        )


def hash_token(token: str) -> str:
    """SHA-256 hex of a bearer token; only this is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _throttle() -> Throttle:
    s = current_app.extensions["settings"]
    key = (s.redis_url, s.login_max_failures, s.login_window_seconds)
    cached = current_app.extensions.get("login_throttle")
    if cached is None or cached[0] != key:
        throttle: Throttle = (
            RedisThrottle(s.redis_url, s.login_max_failures, s.login_window_seconds)
            if s.redis_url
            else DbThrottle(s.login_max_failures, s.login_window_seconds)
        )
        cached = current_app.extensions["login_throttle"] = (key, throttle)
    return cached[1]


def login(
    employee_no: str, password: str, label: str | None, now: datetime, *,
    device_key: str | None = None, address: str | None = None,
) -> tuple[str, DeviceSession, Staff, str]:
    """Check credentials and open a device session; returns the token (shown once), the
    session, the member and the device key (the one sent, if this account signed in with
    it before, else a new one) for the device to send on its next login.

    Failures are throttled per account and source (:mod:`.throttle`, #12): the source is
    the device key of a device that signed in to this account before, else ``address``.
    Raises :class:`TooManyAttempts` while that pair is throttled (even with the right
    password) and :class:`InvalidCredentials` for an unknown number, a wrong password or
    an inactive account alike. A password hash of an older Argon2 profile is replaced by
    one of the current profile in the session's transaction.
    """
    number = employee_no.strip()
    account = number.lower()
    key_hash = _known_device(number, device_key)
    source = f"device:{key_hash[:40]}" if key_hash else f"addr:{(address or 'unknown')[:58]}"
    throttle = _throttle()
    wait = throttle.retry_after(account, source, now)
    if wait is not None:
        db.session.commit()
        raise TooManyAttempts(f"Too many failed logins; try again in {wait} seconds.", retry_after=wait)
    staff = db.session.scalar(select(Staff).where(Staff.employee_no == number))
    ok = verify_password(staff.password_hash if staff else None, password)
    valid = ok and staff is not None and staff.active
    staff_id, branch_id = (staff.id, staff.branch_id) if valid and staff else (None, None)
    rehash = valid and staff is not None and needs_rehash(staff.password_hash)
    _end_reads()  # every write below starts its own transaction
    if not valid:
        throttle.record_failure(account, source, now)
        db.session.commit()
        raise InvalidCredentials("Wrong employee number or password.")
    # A hash of an older profile moves to the current one (passwords.py, #16): hashed
    # while the session holds no connection, written in the transaction of the session.
    new_hash = hash_password(password) if rehash else None
    throttle.clear(account, source)
    if new_hash is not None:
        staff.password_hash = new_hash
    if key_hash is None:
        device_key = secrets.token_urlsafe(32)
        key_hash = hash_token(device_key)
    token = secrets.token_urlsafe(32)
    ttl = timedelta(days=current_app.extensions["settings"].token_ttl_days)
    session = DeviceSession(
        staff_id=staff_id,
        branch_id=branch_id,
        token_hash=hash_token(token),
        label=(label or None),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ttl,
        device_key_hash=key_hash,
    )
    db.session.add(session)
    db.session.commit()
    return token, session, staff, device_key


def _known_device(employee_no: str, device_key: str | None) -> str | None:
    """The hash of ``device_key`` if a session of ``employee_no`` was opened with it."""
    if not device_key:
        return None
    key_hash = hash_token(device_key)
    known = db.session.scalar(
        select(DeviceSession.id)
        .join(Staff, Staff.id == DeviceSession.staff_id)
        .where(Staff.employee_no == employee_no, DeviceSession.device_key_hash == key_hash)
        .limit(1)
    )
    return key_hash if known is not None else None


#: Built once: every push and pull authenticates (the construct costs more than the query).
_BY_TOKEN = (
    select(DeviceSession, Staff)
    .join(Staff, Staff.id == DeviceSession.staff_id)
    .where(DeviceSession.token_hash == bindparam("token_hash"))
)

#: The same lookup as plain columns: what a sync request needs, without ORM entities.
_PRINCIPAL_BY_TOKEN = (
    select(
        DeviceSession.id.label("session_id"), DeviceSession.revoked_at, DeviceSession.expires_at,
        DeviceSession.last_seen_at, Staff.id.label("staff_id"), Staff.role, Staff.branch_id, Staff.active,
    )
    .join(Staff, Staff.id == DeviceSession.staff_id)
    .where(DeviceSession.token_hash == bindparam("token_hash"))
)


def authenticate(token: str | None, now: datetime) -> Authenticated:
    """Resolve a bearer token. Unknown, revoked or expired tokens and inactive staff all
    raise :class:`Unauthenticated` — the same answer, at once."""
    row = _lookup(db.session.execute, _BY_TOKEN, token)
    session, staff = row
    _check(session.id, session.revoked_at, session.expires_at, session.last_seen_at, staff.active, now)
    return Authenticated(session=session, staff=staff)


#: How many principals a process remembers (a device polling keeps one).
REMEMBERED_PRINCIPALS = 20_000

#: What a remembered principal must still be, checked in the pull's own statement: the
#: token's session usable (not revoked, not expired), the member active and still of the
#: remembered role and branch. The same checks as :func:`_check`, so nothing is let in
#: that a fresh authentication refuses.
_CONFIRM_USABLE = (
    "SELECT CASE WHEN s.revoked_at IS NULL AND s.expires_at > :auth_now{seen}"
    " AND st.active AND s.id = :auth_session_id AND st.id = :auth_staff_id AND st.role = :auth_role"
    " AND (st.branch_id = :auth_branch_id OR (st.branch_id IS NULL AND :auth_branch_id IS NULL))"
    " THEN 'ok' ELSE 'stale' END"
    " FROM device_session s JOIN staff st ON st.id = s.staff_id WHERE s.token_hash = :auth_token_hash"
)
#: Where the pull's statement can write (PostgreSQL), a ``last_seen_at`` due for its
#: update is written in it (:attr:`sync.Confirm.touch`): a fleet's phones re-poll every
#: 30 s, so with a 60 s resolution every other poll failed its confirmation and ran again,
#: authenticated afresh, for that one write (#16).
_CONFIRM_TOUCHING = _CONFIRM_USABLE.format(seen="")
_TOUCH_LAST_SEEN = ("UPDATE device_session SET last_seen_at = :auth_now"
                    " WHERE token_hash = :auth_token_hash AND last_seen_at <= :auth_seen_after")
#: Elsewhere (SQLite) the confirmation fails when ``last_seen_at`` is due: the pull runs
#: again, authenticated afresh, which writes it.
_CONFIRM_PRINCIPAL = _CONFIRM_USABLE.format(seen=" AND s.last_seen_at > :auth_seen_after")
_CONFIRM_BINDS = (
    bindparam("auth_now", type_=UtcDateTime), bindparam("auth_seen_after", type_=UtcDateTime),
    bindparam("auth_session_id", type_=Uuid), bindparam("auth_staff_id", type_=Uuid),
    bindparam("auth_role", type_=String), bindparam("auth_branch_id", type_=Uuid),
    bindparam("auth_token_hash", type_=String),
)


def authenticate_principal(token: str | None, now: datetime) -> Principal:
    """:func:`authenticate` for sync push and pull: the same checks against the database
    on every request, but read as Core columns on the session's connection, not as ORM
    entities (a quarter of an empty poll went to loading those, #3). The principal is
    remembered for :func:`remembered_principal`."""
    row = _lookup(db.session.connection().execute, _PRINCIPAL_BY_TOKEN, token)
    _check(row.session_id, row.revoked_at, row.expires_at, row.last_seen_at, row.active, now)
    principal = Principal(staff_id=row.staff_id, role=row.role, branch_id=row.branch_id, session_id=row.session_id)
    memo = _remembered()
    if len(memo) >= REMEMBERED_PRINCIPALS:
        memo.clear()  # crude but bounded; a forgotten principal costs one statement
    memo[hash_token(token or "")] = principal
    return principal


@dataclass(frozen=True)
class Remembered:
    """A principal this process authenticated before, and the check that confirms it
    in the statement of the request that uses it."""

    principal: Principal
    confirm: Confirm


def remembered_principal(token: str | None, now: datetime) -> Remembered | None:
    """The principal :func:`authenticate_principal` found for ``token`` before, with a
    :class:`~sync.page_read.Confirm` that re-checks the session and the member against
    the database in the same snapshot as the pull's page, so an empty poll is one
    statement (#3), and keeps ``last_seen_at`` to :data:`LAST_SEEN_RESOLUTION`: on
    PostgreSQL the same statement writes it when due, elsewhere a due one fails the
    confirmation. ``None`` if not remembered: authenticate instead.

    A revocation, expiry, deactivation, role or branch change fails the confirmation;
    the caller then forgets the principal and authenticates afresh, which answers 401
    or touches ``last_seen_at`` as usual.
    """
    if not token:
        return None
    token_hash = hash_token(token)
    principal = _remembered().get(token_hash)
    if principal is None:
        return None
    params = {
        "auth_now": now, "auth_seen_after": now - LAST_SEEN_RESOLUTION,
        "auth_session_id": principal.session_id, "auth_staff_id": principal.staff_id,
        "auth_role": principal.role, "auth_branch_id": principal.branch_id, "auth_token_hash": token_hash,
    }
    if carries_writes(db.engine.dialect.name):
        return Remembered(principal, Confirm(_CONFIRM_TOUCHING, _CONFIRM_BINDS, params, touch=_TOUCH_LAST_SEEN))
    return Remembered(principal, Confirm(_CONFIRM_PRINCIPAL, _CONFIRM_BINDS, params))


def forget_principal(token: str | None) -> None:
    """Drop what :func:`remembered_principal` knows of ``token``."""
    if token:
        _remembered().pop(hash_token(token), None)


T = TypeVar("T")


def as_principal(token: str | None, now: datetime, run: Callable[[Principal, Confirm | None], T], *,
                 remembered: bool = True) -> T:
    """``run(principal, confirm)`` as the token's principal, on the session's reads: how
    sync push and pull authenticate (``server.api.context.principal_required``).

    A remembered principal (:func:`remembered_principal`) runs first, with the
    :class:`~sync.page_read.Confirm` that ``run`` must have checked in its statement.
    If that does not hold (``Unconfirmed``: the principal is forgotten) or ``run`` refuses
    the request (``SyncError``), the token is authenticated afresh and ``run`` goes again
    without one, so every answer is the one a fresh authentication gives: 401 first,
    ``last_seen_at`` touched, the request's own error after. ``remembered=False`` (push,
    which has no statement to confirm in): always afresh, ``confirm`` ``None``.
    """
    known = remembered_principal(token, now) if remembered else None
    if known is not None:
        try:
            return run(known.principal, known.confirm)
        except Unconfirmed:
            forget_principal(token)
        except SyncError:
            pass
        db.session.rollback()
    begin_reads(db.session)
    principal = authenticate_principal(token, now)
    # End the reads: the connection goes back to the pool before ``run`` takes one for
    # its own reads (a thread holding one while waiting for another can starve the pool).
    db.session.commit()
    return run(principal, None)


def recheck(token: str | None, now: datetime) -> Principal:
    """Authenticate a waiting pull's token again (its session was named in a wake-up):
    raises :class:`Unauthenticated` once it is revoked, so the waiter answers 401 at once."""
    forget_principal(token)
    try:
        return authenticate_principal(token, now)
    finally:
        db.session.commit()  # end the read: the waiter sleeps holding no connection


def _wake_waiters(session_id: uuid.UUID) -> None:
    """At COMMIT, wake the pulls waiting as this session, on every host (#16)."""
    engine = current_app.extensions.get("sync_engine")
    if engine is not None:
        engine.wake_session(db.session, session_id)


def _remembered() -> dict[str, Principal]:
    """This app's remembered principals by token hash (per process)."""
    return current_app.extensions.setdefault("remembered_principals", {})


def _lookup(execute: Any, statement: Any, token: str | None) -> Any:
    if not token:
        raise Unauthenticated("Send Authorization: Bearer <token>.")
    row = execute(statement, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise Unauthenticated("The token is not valid.")
    return row


def _check(session_id: uuid.UUID, revoked_at: datetime | None, expires_at: datetime, last_seen_at: datetime,
           active: bool, now: datetime) -> None:
    """Refuse a revoked or expired session or an inactive member; touch ``last_seen_at``
    at most once per :data:`LAST_SEEN_RESOLUTION`, so most requests stay reads."""
    if not DeviceSession.usable(revoked_at, expires_at, now) or not active:
        raise Unauthenticated("The token is not valid.")
    if now - last_seen_at >= LAST_SEEN_RESOLUTION:
        _end_reads()
        db.session.execute(update(DeviceSession).where(DeviceSession.id == session_id).values(last_seen_at=now))
        db.session.commit()


def _end_reads() -> None:
    """End the read transaction before writing, keeping the loaded objects usable.

    SQLite (WAL) cannot upgrade a read transaction to a write once another connection
    has committed since it began: it answers "database is locked" at once instead of
    waiting. A write that starts its own transaction waits on the busy timeout instead.
    """
    db.session.commit()


def logout(auth: Authenticated, now: datetime) -> None:
    """Revoke the calling session."""
    auth.session.revoked_at = now
    auth.session.revoked_by = auth.staff.id
    _wake_waiters(auth.session.id)
    db.session.commit()


def revoke(actor: Authenticated, session_id: uuid.UUID, now: datetime) -> DeviceSession:
    """Revoke any session of the actor's branch (administrator, operations manager).

    A global administrator (no branch) may revoke any session. Revoking twice is a no-op.
    """
    if actor.staff.role not in SESSION_REVOKERS:
        raise Forbidden("Only an administrator or the branch's operations manager can revoke sessions.")
    target = db.session.get(DeviceSession, session_id)
    same_branch = target is not None and target.branch_id == actor.staff.branch_id
    global_admin = actor.staff.role == ADMIN and actor.staff.branch_id is None
    if target is None or not (same_branch or global_admin):
        raise NotFound("No such session in your branch.")
    if target.revoked_at is None:
        target.revoked_at = now
        target.revoked_by = actor.staff.id
        _wake_waiters(target.id)
        db.session.commit()
    return target


def list_sessions(actor: Authenticated, now: datetime, include_revoked: bool = False) -> list[DeviceSession]:
    """Sessions of the actor's branch, newest first (revokers only)."""
    if actor.staff.role not in SESSION_REVOKERS:
        raise Forbidden("Only an administrator or the branch's operations manager can list sessions.")
    q = select(DeviceSession).where(DeviceSession.branch_id == actor.staff.branch_id)
    if not include_revoked:
        q = q.where(DeviceSession.revoked_at.is_(None), DeviceSession.expires_at > now)
    return list(db.session.scalars(q.order_by(DeviceSession.created_at.desc()).limit(500)))
