"""The sync engine: push, pull, and the change emission the domain calls.

Domain-agnostic: it runs the registered mutators and reads the registered entities'
audiences; it never imports ``server``. One push is one transaction (a 200 means
committed); each mutation is all-or-nothing (``sync/apply.py``).
"""
from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, ContextManager

from sqlalchemy.engine import Connection
from sqlalchemy.orm import scoped_session

from . import apply, feed, page_read, protocol, store
from .cursor import Cursor, CursorCodec
from .errors import ClientOwnedByOther, MutationGap, RejectedQuotaExceeded, Unconfirmed
from .notify import CLOSING, Notifier, Waiter
from .registry import Principal, Registry, Scope
from .types import iso

log = logging.getLogger(__name__)

#: Connections for single-statement reads outside the session's transaction:
#: ``with reads() as conn`` (see :meth:`SyncEngine.pull`); a SQLAlchemy ``Connection`` or
#: a :class:`sync.page_read.RawConnection`.
Reads = Callable[[], ContextManager["Connection | page_read.RawConnection"]]


@dataclass(frozen=True)
class EngineSettings:
    """The engine's knobs; the app builds them from its settings."""

    max_mutations: int = 500
    pull_default_limit: int = 500
    pull_max_limit: int = 1000
    max_wait_seconds: float = 30
    clock_tolerance: timedelta = timedelta(minutes=2)
    tombstone_horizon: timedelta = timedelta(days=90)
    #: A pull records ``last_pull_at`` only when the stored one is older than this (or the
    #: client is new or changed branch): an empty poll then stays a read. Compliance's
    #: "synced past T" errs on the safe side: a device looks less synced, never more.
    pull_touch_interval: timedelta = timedelta(seconds=10)
    #: Waiting pulls one process holds; past it a pull is answered at once with
    #: ``retry_after_ms`` (#16). ``None``: no cap.
    max_waiters: int | None = None
    #: The ``retry_after_ms`` hint of a pull the process could not hold (cap, shutdown).
    retry_after_ms: int = 5000
    #: Long polls' reads (each one's first, and each wake-up's) one process runs at once;
    #: the others queue for a place, holding nothing, and the rest of the connection pool
    #: stays free for other requests while a wake-up of 1,000 re-reads (#16). ``None``:
    #: no bound but the pool's.
    wait_reads: int | None = None
    #: A wait that runs out ends at a moment drawn uniformly in its last ``wait_spread``
    #: fraction: a fleet whose waits started together (a deploy, a network back) does not
    #: come back together every 30 s and take the connection pool at once (#16).
    wait_spread: float = 0.2
    #: Bytes of rejected mutations (as sent) one client may store per day; once over it,
    #: its pushes are refused 429 ``rejected_quota_exceeded`` until the day's window ends.
    #: Every rejected mutation stored before is kept whole. ``0`` means no bound.
    rejected_bytes_per_day: int = 1024 * 1024


class SyncEngine:
    """Push, pull and change emission over a :class:`Registry`.

    ``clock`` is a callable returning an aware UTC ``datetime`` (the app's injected clock).
    """

    def __init__(
        self,
        registry: Registry,
        *,
        clock: Callable[[], datetime],
        secret: str,
        notifier: Notifier,
        settings: EngineSettings | None = None,
    ) -> None:
        self.registry = registry
        self.now = clock
        self.notifier = notifier
        self.settings = settings or EngineSettings()
        self.cursors = CursorCodec(secret)
        n = self.settings.wait_reads
        self._wait_reads = threading.BoundedSemaphore(n) if n else None
        feed.install()

    # --- emission (handlers through ctx, services through record_put) ------------------

    def _feed(self) -> feed.Seams:
        """The feed's collaborators, as they are now (tests swap the notifier)."""
        return feed.Seams(self.registry, self.now, self.notifier)

    def put(self, session: Any, entity: str, obj: Any, *, created: bool = False) -> None:
        """Emit that ``obj`` of ``entity`` was created or changed; reaches pulls at COMMIT.

        ``created=True``: the record did not exist before this transaction, so the feed
        holds no rows of it to turn into tombstones and need not read them. Raises
        ``KeyError`` for an unregistered entity (a bug: it fails the mutation).
        """
        record_id = str(self.registry.get_entity(entity).id_of(obj))
        feed.pending(session, self._feed()).items.append((entity, record_id, "put", obj, created))

    def delete(self, session: Any, entity: str, record_id: uuid.UUID | str) -> None:
        """Emit that record ``record_id`` of ``entity`` was deleted (a tombstone per audience)."""
        self.registry.get_entity(entity)
        feed.pending(session, self._feed()).items.append((entity, str(record_id), "delete", None, False))

    # --- push --------------------------------------------------------------------------

    def push(self, session: Any, principal: Principal, body: Any) -> dict[str, Any]:
        """Apply a push body; returns the 200 body. Commits once, at the end.

        Raises :class:`~sync.errors.SyncError` subclasses (nothing applied): invalid
        envelope, unsupported protocol, too large, client owned by another staff member,
        mutation gap.
        """
        request = protocol.parse_push(body, max_mutations=self.settings.max_mutations)
        now = self.now()
        seams = apply.Seams(self.registry, self.settings.clock_tolerance, self, self._feed())
        prepared = apply.prepare(seams, principal, request.mutations)  # before the write lock
        session.commit()  # end whatever read the caller did: the push starts with a write
        try:
            self._begin_write(session)
            client = store.lock_client(session, request.client_id, principal.staff_id, principal.branch_id, now)
            _check_owner(client, principal)
            self._check_quota(session, client, now)
            last = int(client.last_mutation_id)
            batch = request.mutations
            if batch and batch[0].id > last + 1:
                raise MutationGap(
                    f"The next mutation id is {last + 1}; this batch starts at {batch[0].id}.", last_mutation_id=last
                )
            results = self._duplicates(session, request, last)
            rows: list[dict[str, Any]] = []
            apply.apply_all(seams, session, principal, request, [p for p in prepared if p.mutation.id > last], now,
                            client.last_device_at, results, rows)
            previous_at = next((row["at"] for row in reversed(rows) if row["at"] is not None), client.last_device_at)
            store.log_mutations(session, rows)
            last = max(last, batch[-1].id) if batch else last
            store.update_client(
                session, request.client_id, last_mutation_id=last, last_device_at=previous_at,
                last_sent_at=request.sent_at, last_push_at=now, branch_id=principal.branch_id,
                **self._rejected_window(client, rows, now),
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return {"last_mutation_id": last, "server_time": iso(now), "results": results}

    def _check_quota(self, session: Any, client: Any, now: datetime) -> None:
        """Refuse the push (429, after recording the refusal) when the client's rejected
        mutations of the day's window reached ``rejected_bytes_per_day``."""
        bound = self.settings.rejected_bytes_per_day
        since = client.rejected_since
        if not bound or since is None or now >= since + _DAY or int(client.rejected_bytes) < bound:
            return
        store.update_client(session, client.client_id, refused_pushes=int(client.refused_pushes) + 1,
                            last_refused_at=now)
        session.commit()  # supervisors see the refusal, though nothing of the push is applied
        wait = max(1, int((since + _DAY - now).total_seconds() + 0.999))
        raise RejectedQuotaExceeded(
            f"This client stored {int(client.rejected_bytes)} bytes of rejected mutations since {iso(since)}; "
            f"the bound is {bound} a day. Fix what is rejected; pushes are taken again in {wait} seconds.",
            retry_after=wait, rejected_bytes=int(client.rejected_bytes), limit=bound,
        )

    @staticmethod
    def _rejected_window(client: Any, rows: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
        """The client's rejected-bytes window after this push's rows (a new one once a day passed)."""
        added = sum(len(row["raw"].encode("utf-8")) for row in rows if row["status"] == "rejected")
        if not added:
            return {}
        since = client.rejected_since
        if since is None or now >= since + _DAY:
            return {"rejected_since": now, "rejected_bytes": added}
        return {"rejected_bytes": int(client.rejected_bytes) + added}

    def _begin_write(self, session: Any) -> None:
        # SQLite: BEGIN IMMEDIATE takes the write lock first, so two pushes queue on the
        # busy timeout instead of failing on a read-to-write upgrade. PostgreSQL locks rows.
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})

    def _duplicates(self, session: Any, request: protocol.PushRequest, last: int) -> list[dict[str, Any]]:
        old = [m.id for m in request.mutations if m.id <= last]
        if not old:
            return []
        stored = store.outcomes(session, request.client_id, old[0], old[-1])
        lost = [i for i in old if i not in stored]
        if lost:
            # Every consumed id has a log row written in its push's transaction; a gap here
            # means the log was tampered with. Answer (the id is consumed either way) but say so.
            log.error("client %s: no stored outcome for consumed mutation ids %s", request.client_id, lost)
        return [{**stored.get(i, {"id": i, "status": "applied"}), "duplicate": True} for i in old]

    # --- pull ----------------------------------------------------------------------------

    def pull(self, session: Any, principal: Principal, body: Any,
             confirm: page_read.Confirm | None = None, reads: Reads | None = None,
             recheck: Callable[[], Any] | None = None) -> dict[str, Any]:
        """Answer a pull body; ``changes`` holds :class:`~sync.protocol.Change` tuples.

        Render with :func:`sync.protocol.encode_pull` (splices the stored JSON). Raises
        :class:`~sync.errors.BadCursor` for a cursor not ours, plus the envelope errors.
        With ``confirm``, the caller's check is read in the statement that reads the
        client row; if it does not hold, :class:`~sync.errors.Unconfirmed` is raised
        before anything is written.

        With ``reads``, a plain pull's page statement runs on a connection from it, each
        statement its own transaction, and ``session`` is used only when something must
        be written (the client row): an empty poll then costs one statement and no
        session transaction. Without it, everything runs on ``session``.

        A long poll (``wait``) holds no connection while it sleeps. Its first read is the
        plain pull's one statement; it reads again only when woken (one statement each),
        within ``wait_reads`` of its kind at once, and one that runs out answers from its
        first read. One client waits once:
        its second wait answers its first at once. When the process holds
        ``max_waiters`` already, or shuts down, it is answered at once with
        ``retry_after_ms``. ``recheck`` is called (and may raise, e.g. 401) when a
        wake-up names the principal's session (:meth:`wake_session`): a revoked
        session's waiting pull is answered at once.
        """
        request = protocol.parse_pull(body)
        scope = self.registry.scope_for(principal)
        limit = min(request.limit or self.settings.pull_default_limit, self.settings.pull_max_limit)
        wait = min(request.wait, self.settings.max_wait_seconds)
        arrived = self.now()
        probe = page_read.ClientProbe(request.client_id, principal.staff_id, principal.branch_id,
                                      arrived - self.settings.pull_touch_interval, arrived)
        # One statement reads the page, the counter, the client row and the caller's check
        # (page_read), for a long poll as for a plain pull: a fleet's re-polls are most
        # of a host's requests, and each held a pooled connection for a dozen round trips
        # before (#16). A long poll subscribes first, so a commit after its read wakes it.
        after, reset = self._start(session, request, scope, check_counter=False)
        waiter = self._subscribe(scope, request.client_id, principal) if wait > 0 and not reset else None
        try:
            retry_after_ms = self.settings.retry_after_ms if wait > 0 and not reset and waiter is None else None
            with self._gate(waiter):
                rows, top, horizon, client, _ = _confirmed(session, confirm, _read(
                    session, reads, scope.audiences, after, limit + 1, probe, confirm))
                last_mutation_id = self._touch_pull(session, probe, client)
            if waiter is not None and not rows and horizon <= after <= top:
                woken, retry_after_ms = self._wait(session, reads, waiter, scope, after, limit + 1, wait, recheck)
                if woken is not None:
                    rows, top, horizon = woken.rows, woken.seq, woken.horizon_seq
        finally:
            if waiter is not None:
                self.notifier.hub.unsubscribe(waiter)
        if not reset and (after < horizon or after > top):
            # The counter is read *with* the page (or after it): on PostgreSQL each
            # statement has its own snapshot, so a compaction committed while the page was
            # read may have removed tombstones this cursor needs; a horizon read with or
            # after the page sees it. A horizon past the cursor, or a cursor past the top
            # (not from this database), answers a fresh snapshot instead.
            after, reset = 0, True
            rows = _read(session, reads, scope.audiences, after, limit + 1).rows
        has_more = len(rows) > limit
        rows = rows[:limit]
        seq = rows[-1][0] if rows else after
        if reads is None or wait > 0:
            _release(session)  # otherwise the session holds no transaction: it wrote nothing, or committed
        answer = {
            # Nothing new: the cursor is the one sent (checked against this protocol and scope).
            "cursor": self.cursors.encode(Cursor(request.protocol, seq, scope.fingerprint),
                                          decoded_from=request.cursor if not reset and seq == after else None),
            "has_more": has_more,
            "reset": reset,
            "last_mutation_id": last_mutation_id,
            "server_time": iso(self.now()),
            "changes": _latest_per_record(rows, skip_deletes=reset),
        }
        if retry_after_ms is not None:
            answer["retry_after_ms"] = retry_after_ms
        return answer

    def _touch_pull(self, session: Any, probe: page_read.ClientProbe, client: page_read.ClientCheck | None) -> int:
        """Check (and bind) the client from what the page statement saw of its row, and
        record ``last_pull_at`` (the pull's arrival) at most once per
        ``pull_touch_interval``. Usually nothing to do: the row was fresh, or on
        PostgreSQL the page statement recorded the pull itself. A known client due for
        it (SQLite, which has no data-modifying WITH; on PostgreSQL when another pull of
        the client recorded itself meanwhile): one UPDATE in autocommit, no lock first,
        as a row's owner never changes. A new client: a transaction of its own, after
        the reads."""
        if client is not None:
            if not client.owned:
                raise ClientOwnedByOther(_OWNED_BY_OTHER)
            if client.fresh:
                return client.last_mutation_id
            # On SQLite every long poll of a fleet comes here (a 30 s wait outlasts the
            # touch interval): one statement, not BEGIN IMMEDIATE, a SELECT, the UPDATE
            # and COMMIT on the one writer (#16).
            session.commit()
            try:
                session.connection(execution_options=store.OWN_TRANSACTION[session.get_bind().dialect.name])
                store.update_client(session, probe.client_id, last_pull_at=probe.pulled_at,
                                    branch_id=probe.branch_id)
            finally:
                session.commit()  # hands the connection back in its own isolation level
            return client.last_mutation_id
        now = probe.pulled_at
        session.commit()  # end the read: the write below starts its own transaction
        try:
            self._begin_write(session)
            row = store.lock_client(session, probe.client_id, probe.staff_id, probe.branch_id, now)
            if row.staff_id != probe.staff_id:
                raise ClientOwnedByOther(_OWNED_BY_OTHER)
            store.update_client(session, probe.client_id, last_pull_at=now, branch_id=probe.branch_id)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return int(row.last_mutation_id)

    def _start(self, session: Any, request: protocol.PullRequest, scope: Scope, *,
               check_counter: bool = True) -> tuple[int, bool]:
        """``(seq to read after, reset?)`` for the request's cursor; with ``check_counter``
        also reset a cursor the counter rules out (the caller checks it otherwise)."""
        if request.cursor is None:
            return 0, True
        cursor = self.cursors.decode(request.cursor)
        if cursor.protocol != request.protocol or cursor.fingerprint != scope.fingerprint:
            return 0, True
        if check_counter:
            top, horizon = store.read_counter(session)
            if cursor.seq < horizon or cursor.seq > top:
                return 0, True  # tombstones it needs were compacted, or not from this database
        return cursor.seq, False

    def _subscribe(self, scope: Scope, owner: Any, principal: Principal) -> Waiter | None:
        """A waiter of the scope's audiences (``None``: over the cap, or closing)."""
        return self.notifier.hub.subscribe(frozenset(scope.audiences), owner=owner, watch=_session_key(principal),
                                           limit=self.settings.max_waiters)

    def _gate(self, waiter: Waiter | None) -> ContextManager[Any]:
        """The long polls' share of the connection pool (``wait_reads``); none for a plain pull."""
        return self._wait_reads if waiter is not None and self._wait_reads is not None else contextlib.nullcontext()

    def _wait(self, session: Any, reads: Reads | None, waiter: Waiter, scope: Scope, after: int, limit: int,
              wait: float, recheck: Callable[[], Any] | None) -> tuple[page_read.PageRead | None, int | None]:
        """Long poll: sleep on ``waiter`` (subscribed before the caller's read found nothing)
        and re-read the feed when woken, until something is in scope, the deadline or a
        release. Returns the last re-read (``None`` if none: nothing new since the
        caller's) and ``retry_after_ms`` when released for a shutdown.

        A wait that runs out re-reads nothing: no wake-up named its scope since a read
        that found nothing, and any pull of the device reads again. A released one
        (superseded, closing) answers at once, without a read: 10,000 waiters answered
        at a shutdown must not take the pool either. While the cross-process listener is
        down, the feed is re-read every second instead."""
        deadline = time.monotonic() + wait * (1 - self.settings.wait_spread * random.random())
        hub = self.notifier.hub
        woken = None
        while True:
            _release(session)  # hold no connection while asleep
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return woken, None
            healthy = hub.healthy
            if not waiter.event.wait(remaining if healthy else min(remaining, 1.0)) and healthy:
                continue
            if waiter.released:
                return woken, self.settings.retry_after_ms if waiter.released == CLOSING else None
            waiter.event.clear()
            if waiter.recheck and recheck is not None:
                waiter.recheck = False
                recheck()  # e.g. the session was revoked: raises, the waiter answers 401
            with self._gate(waiter):
                woken = _read(session, reads, scope.audiences, after, limit)
            if woken.rows or not woken.horizon_seq <= after <= woken.seq:
                return woken, None

    def wake_session(self, session: Any, session_id: Any) -> None:
        """At ``session``'s COMMIT, wake the pulls waiting as ``session_id`` (in every
        process and host), so they check their principal again: call it in the
        transaction that revokes a session."""
        feed.pending(session, self._feed()).wake.add(_session_key_of(session_id))

    # --- supervision and upkeep --------------------------------------------------------

    def list_mutations(self, session: Any, **filters: Any) -> list[dict[str, Any]]:
        """Mutation log entries as dicts, newest first (see :func:`sync.store.list_mutations`)."""
        return [_mutation_dict(row) for row in store.list_mutations(session, **filters)]

    def get_client(self, session: Any, client_id: uuid.UUID) -> Any | None:
        """The ``sync_client`` row of ``client_id`` (owner, branch, counters), or ``None``."""
        return store.get_client(session, client_id)

    def clients(self, session: Any, *, staff_ids: Any = None, branch_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        """Devices (clients) of these staff members / this branch and when each last synced.

        For compliance's "synced past T" (sync-protocol "Compliance"): ``last_push_at`` and
        ``last_pull_at`` are server times of the last push and pull; ``last_sent_at`` is the
        device clock's ``sent_at`` of the last push; ``synced_at`` the later of the two
        server times.
        """
        out = []
        for row in store.list_clients(session, staff_ids=staff_ids, branch_id=branch_id):
            times = [t for t in (row.last_push_at, row.last_pull_at) if t is not None]
            out.append({
                "client_id": row.client_id, "staff_id": row.staff_id, "branch_id": row.branch_id,
                "last_mutation_id": int(row.last_mutation_id), "last_sent_at": row.last_sent_at,
                "last_push_at": row.last_push_at, "last_pull_at": row.last_pull_at,
                "synced_at": max(times) if times else None, "rejected_since": row.rejected_since,
                "rejected_bytes": int(row.rejected_bytes), "refused_pushes": int(row.refused_pushes),
                "last_refused_at": row.last_refused_at,
            })
        return out

    def compact(self, session: Any) -> int:
        """Drop tombstones older than the horizon and commit; cursors older than them reset."""
        try:
            gone = store.compact(session, self.now() - self.settings.tombstone_horizon)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return gone


def _session_key_of(session_id: Any) -> str:
    """The wake-up key of a principal's session (never an audience: ``~`` is reserved)."""
    return f"~session:{session_id}"


def _session_key(principal: Principal) -> str | None:
    session_id = getattr(principal, "session_id", None)
    return None if session_id is None else _session_key_of(session_id)


_DAY = timedelta(days=1)
_OWNED_BY_OTHER = "This client_id is bound to another staff member; make a new client_id."


def _release(session: Any) -> None:
    """Commit the session's transaction, if it has one, handing its connection back.

    A long poll's session usually has none (its reads ran on ``reads``), and a commit
    would begin one only to end it: a tenth of a millisecond, up to three times per
    long poll (#16). Usually the request has not even made its ``Session`` yet: asking a
    scoped session for it would build one (about 70 µs of a long poll, and its close at
    the request's teardown) only to find it idle."""
    if isinstance(session, scoped_session):
        if not session.registry.has():
            return
        session = session()
    if session.in_transaction():
        session.commit()


def _read(session: Any, reads: Reads | None, *args: Any) -> page_read.PageRead:
    """:func:`sync.page_read.read` on a connection of ``reads``, or on the session's."""
    if reads is None:
        return page_read.read(session.connection(), *args)
    with reads() as conn:
        return page_read.read(conn, *args)


def _confirmed(session: Any, confirm: page_read.Confirm | None, read: page_read.PageRead) -> page_read.PageRead:
    """``read``, if the caller's ``confirm`` held in its snapshot (or none was asked)."""
    if confirm is not None and read.confirmed != confirm.expect:
        session.commit()  # nothing was written: end the read, if any
        raise Unconfirmed()
    return read


def _check_owner(client: Any, principal: Principal) -> None:
    if client.staff_id != principal.staff_id:
        raise ClientOwnedByOther(_OWNED_BY_OTHER)


def _latest_per_record(rows: list[Any], *, skip_deletes: bool) -> list[protocol.Change]:
    """One change per record per page, the highest seq (a record in two audiences of a
    scope has two rows). On a reset page tombstones are skipped: the client holds nothing.

    Rows are ``(seq, entity, record_id, op, data)`` in seq order (the hot loop of a pull:
    plain tuples, no attribute access).
    """
    if len({(row[1], row[2]) for row in rows}) < len(rows):  # rare: most pages name each record once
        latest: dict[tuple[str, str], tuple] = {}
        for row in rows:
            key = (row[1], row[2])
            if key in latest:
                del latest[key]
            latest[key] = row
        rows = list(latest.values())
    make = protocol.Change._make
    if skip_deletes:
        return [make(r) for r in rows if r[3] != "delete"]
    return list(map(make, rows))


def quota_dict(row: Any) -> dict[str, Any]:
    """A client row's rejected-mutation window and refused pushes, for supervisors."""
    return {
        "rejected_since": iso(row.rejected_since), "rejected_bytes": int(row.rejected_bytes or 0),
        "refused_pushes": int(row.refused_pushes or 0), "last_refused_at": iso(row.last_refused_at),
    }


def _mutation_dict(row: Any) -> dict[str, Any]:
    import json

    return {
        "client_id": str(row.client_id), "id": row.mutation_id, "name": row.name, "args": row.args,
        "raw": json.loads(row.raw), "at": iso(row.at), "status": row.status, "error": row.error,
        "staff_id": str(row.staff_id), "branch_id": str(row.branch_id) if row.branch_id else None,
        "session_id": str(row.session_id) if row.session_id else None, "received_at": iso(row.received_at),
        "sent_at": iso(row.sent_at), "skew_ms": row.skew_ms, "happened_at": iso(row.happened_at),
        "clock_suspect": row.clock_suspect,
    }
