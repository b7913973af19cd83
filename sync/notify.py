"""Long-poll wake-ups: one listener per process, many waiting pulls.

A waiting pull registers a :class:`Waiter` (its scope's audiences and an Event) with the
process's :class:`Hub` and sleeps on the Event, holding no database connection. A
committed change wakes the waiters whose audiences it touched:

* in this process, directly after COMMIT;
* in other processes (several gunicorn workers, other hosts) through the database or
  Redis: PostgreSQL ``NOTIFY`` sent inside the committing transaction and one
  ``LISTEN`` connection per process; Redis pub/sub when ``redis_url`` is set; on SQLite a
  poll thread watching the change counter.

The listener thread starts with the first waiter and stops after a few idle seconds, so
an app that never long-polls never holds a connection for it. A wake-up is only a hint:
the pull re-queries the feed, so a spurious or lost wake-up costs latency, never data (a
wait that runs out answers "nothing new" as of its first read, and the device's next
pull reads what a lost wake-up would have brought).

Protection (#16), so no fleet can take a host down: a hub holds at most ``limit`` waiters
(a pull past it is answered at once, with a hint when to come back); one waiter per
owner (a client's second wait releases its first); :func:`release_all` answers every
waiter of the process at once and refuses new ones (a graceful shutdown or deploy:
devices come back to another host instead of timing out here). Under gevent the thread
and the events are greenlets (``server/serving.py`` patches them), so a waiter costs a
few kilobytes, not a thread.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

log = logging.getLogger(__name__)

CHANNEL = "fieldops_sync"
MAX_PAYLOAD = 7000  # PostgreSQL NOTIFY payloads stop at 8000 bytes
IDLE_SECONDS = 5.0
#: The SQLite poll wakes by the audiences written since its last look, up to this many.
POLL_AUDIENCES = 500


def encode(audiences: set[str]) -> str:
    """The wake-up payload: audiences touched, or ``*`` (everyone) when too long."""
    text = json.dumps(sorted(audiences), separators=(",", ":"))
    return text if len(text) <= MAX_PAYLOAD else "*"


def decode(payload: str) -> frozenset[str] | None:
    """Audiences of a payload; ``None`` means "wake everyone"."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return frozenset(value) if isinstance(value, list) else None


#: Why a waiter was let go before anything changed in its scope.
SUPERSEDED = "superseded"  # the same owner (client) waits again elsewhere
CLOSING = "closing"  # the process shuts down


@dataclass(eq=False)
class Waiter:
    """One waiting pull.

    ``recheck`` is set when a wake-up named ``watch`` (the waiter's own key, e.g. its
    session's) or everyone: its owner must then be checked again (a revocation).
    ``released`` says why it must answer now though nothing changed (``SUPERSEDED`` or
    ``CLOSING``), or is ``None``.
    """

    audiences: frozenset[str]
    owner: Any = None
    watch: str | None = None
    event: threading.Event = field(default_factory=threading.Event)
    recheck: bool = False
    released: str | None = None


class Hub:
    """The waiters of one process for one database (or Redis channel), and its listener."""

    def __init__(self, key: str, listen: Callable[["Hub"], Iterator[None]] | None) -> None:
        self.key = key
        self._listen = listen
        self._lock = threading.Lock()
        self._waiters: set[Waiter] = set()
        #: The waiters of each audience: a wake-up visits the waiters it names, not every
        #: waiter of the process (every commit of the database wakes every process, #16).
        self._by_audience: dict[str, set[Waiter]] = {}
        self._owners: dict[Any, Waiter] = {}
        self.closing = False
        self._thread: threading.Thread | None = None
        self._idle_since = time.monotonic()
        self.ready = threading.Event()

    @property
    def healthy(self) -> bool:
        """True while the cross-process listener is connected (or none is needed)."""
        return self._listen is None or self.ready.is_set()

    @property
    def waiting(self) -> int:
        """How many waiters this hub holds now."""
        return len(self._waiters)

    def subscribe(self, audiences: frozenset[str], ready_timeout: float = 2.0, *, owner: Any = None,
                  watch: str | None = None, limit: int | None = None) -> Waiter | None:
        """Register a waiter; make sure the listener runs (and listens) before returning.

        ``None`` (nothing registered) when the hub already holds ``limit`` waiters or is
        closing: the caller answers at once. A waiter of the same ``owner`` already here
        is released (``SUPERSEDED``) and replaced. ``watch`` is a key that, named in a
        wake-up, sets the waiter's ``recheck``.
        """
        waiter = Waiter(audiences | ({watch} if watch else frozenset()), owner, watch)
        with self._lock:
            if self.closing:
                return None
            previous = self._owners.pop(owner, None) if owner is not None else None
            if previous is not None:
                self._forget(previous)
                previous.released = SUPERSEDED
                previous.event.set()
            elif limit is not None and len(self._waiters) >= limit:
                return None
            self._waiters.add(waiter)
            for audience in waiter.audiences:
                self._by_audience.setdefault(audience, set()).add(waiter)
            if owner is not None:
                self._owners[owner] = waiter
            if self._listen is not None and self._thread is None:
                self.ready.clear()
                self._thread = threading.Thread(target=self._run, name=f"sync-listen-{self.key[:24]}", daemon=True)
                self._thread.start()
        if self._listen is not None:
            self.ready.wait(ready_timeout)
        return waiter

    def unsubscribe(self, waiter: Waiter) -> None:
        """Forget a waiter."""
        with self._lock:
            self._forget(waiter)
            if waiter.owner is not None and self._owners.get(waiter.owner) is waiter:
                del self._owners[waiter.owner]
            if not self._waiters:
                self._idle_since = time.monotonic()

    def wake(self, audiences: frozenset[str] | set[str] | None, *, recheck_all: bool = False) -> None:
        """Wake the waiters reading any of ``audiences`` (all of them when ``None``).

        A waiter whose ``watch`` key is named must recheck its owner; with
        ``recheck_all`` every waiter must (notifications may have been lost)."""
        with self._lock:
            if audiences is None:
                named: Iterable[Waiter] = self._waiters
            else:
                named = set().union(*(self._by_audience.get(a, ()) for a in audiences))
            for waiter in named:
                if recheck_all or (audiences is not None and waiter.watch in audiences):
                    waiter.recheck = True
                waiter.event.set()

    def _forget(self, waiter: Waiter) -> None:
        """Drop ``waiter`` from the hub's sets (the lock held)."""
        if waiter not in self._waiters:
            return
        self._waiters.discard(waiter)
        for audience in waiter.audiences:
            same = self._by_audience.get(audience)
            if same is not None:
                same.discard(waiter)
                if not same:
                    del self._by_audience[audience]

    def release_all(self) -> int:
        """Answer every waiter now and refuse new ones (shutdown); how many were waiting."""
        with self._lock:
            self.closing = True
            waiters = list(self._waiters)
            for waiter in waiters:
                waiter.released = CLOSING
                waiter.event.set()
        return len(waiters)

    def should_stop(self) -> bool:
        """Called by the listener: True (and detached) once idle long enough."""
        with self._lock:
            if self._waiters or time.monotonic() - self._idle_since < IDLE_SECONDS:
                return False
            self._thread = None
            self.ready.clear()
            return True

    def _run(self) -> None:
        assert self._listen is not None
        while True:
            try:
                for _ in self._listen(self):
                    if self.should_stop():
                        return
            except Exception:  # noqa: BLE001 - the thread must outlive a lost connection
                log.warning("sync wake-up listener %s lost its connection; retrying", self.key, exc_info=True)
            self.ready.clear()
            self.wake(None, recheck_all=True)  # notifications may have been missed: everyone re-checks
            if self.should_stop():
                return
            time.sleep(0.5)


_HUBS: dict[str, Hub] = {}
_HUBS_LOCK = threading.Lock()


def release_all() -> int:
    """:meth:`Hub.release_all` on every hub of this process (graceful shutdown)."""
    with _HUBS_LOCK:
        hubs = list(_HUBS.values())
    return sum(hub.release_all() for hub in hubs)


def hub_for(key: str, listen: Callable[[Hub], Iterator[None]] | None) -> Hub:
    """The process-wide hub for ``key`` (one listener per process, not per app)."""
    with _HUBS_LOCK:
        hub = _HUBS.get(key)
        if hub is None:
            hub = _HUBS[key] = Hub(key, listen)
        return hub


# --- listeners ---------------------------------------------------------------------------


def _pg_listen(conninfo: str) -> Callable[[Hub], Iterator[None]]:
    """The listener on PostgreSQL: ``LISTEN``, then sleep on the socket until it is
    readable (or half a second, to look whether to stop) and take what arrived.

    It waits on the socket itself rather than in ``notifies(timeout=0.5)``, which psycopg
    waits out in steps of 0.1 s: under gevent each step is a poll with its timer, ten a
    second per worker, 2.7–3.2 ms of CPU per second against 0.8 idle this way: at
    1,000 waiters about 0.1 ms of every long poll (#16). What arrived with another
    reply is taken first, before sleeping."""
    def listen(hub: Hub) -> Iterator[None]:
        import select

        import psycopg

        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            hub.ready.set()
            while True:
                for note in conn.notifies(timeout=0):
                    hub.wake(decode(note.payload))
                yield
                select.select([conn.fileno()], [], [], 0.5)

    return listen


def _redis_listen(url: str, channel: str) -> Callable[[Hub], Iterator[None]]:
    def listen(hub: Hub) -> Iterator[None]:
        import redis

        client = redis.Redis.from_url(url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel)
            hub.ready.set()
            while True:
                message = pubsub.get_message(timeout=0.5)
                if message is not None:
                    data = message.get("data")
                    hub.wake(decode(data.decode() if isinstance(data, bytes) else str(data)))
                yield
        finally:
            pubsub.close()
            client.close()

    return listen


def _sqlite_poll(path: str, interval: float) -> Callable[[Hub], Iterator[None]]:
    def read(conn: sqlite3.Connection) -> int:
        try:
            row = conn.execute("SELECT seq FROM sync_counter WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0]) if row else 0

    def touched(conn: sqlite3.Connection, after: int, upto: int) -> set[str] | None:
        """Audiences of the feed rows written in ``(after, upto]`` (``sync_change.seq`` is
        indexed), or ``None`` (wake everyone) when there are too many or no feed table."""
        try:
            rows = conn.execute("SELECT DISTINCT audience FROM sync_change WHERE seq > ? AND seq <= ? LIMIT ?",
                                (after, upto, POLL_AUDIENCES + 1)).fetchall()
        except sqlite3.OperationalError:
            return None
        return {row[0] for row in rows} if len(rows) <= POLL_AUDIENCES else None

    def listen(hub: Hub) -> Iterator[None]:
        conn = sqlite3.connect(path, timeout=5, check_same_thread=False)
        try:
            last = read(conn)
            hub.ready.set()
            while True:
                time.sleep(interval)
                seq = read(conn)
                if seq != last:
                    # Only the waiters of the audiences written re-read the feed: 10,000
                    # waiters re-querying on every commit would stall the host (#16).
                    hub.wake(touched(conn, last, seq) if seq > last else None)
                    last = seq
                yield
        finally:
            conn.close()

    return listen


class Notifier:
    """Sends and receives wake-ups for one engine; picks the transport from the URLs."""

    def __init__(self, database_url: str, redis_url: str | None = None, poll_interval: float = 0.25) -> None:
        self.dialect = database_url.split(":", 1)[0].split("+", 1)[0]
        self._redis_url = redis_url
        self._redis: Any = None
        if redis_url:
            self.channel = f"{CHANNEL}:{_short_hash(database_url)}"
            self.hub = hub_for(f"redis|{redis_url}|{self.channel}", _redis_listen(redis_url, self.channel))
        elif self.dialect == "postgresql":
            conninfo = "postgresql:" + database_url.split(":", 1)[1]
            self.hub = hub_for(f"pg|{conninfo}", _pg_listen(conninfo))
        elif self.dialect == "sqlite" and database_url.startswith("sqlite:///") and ":memory:" not in database_url:
            path = database_url[len("sqlite:///"):]
            self.hub = hub_for(f"sqlite|{path}", _sqlite_poll(path, poll_interval))
        else:
            self.hub = hub_for(f"local|{database_url}", None)

    def before_commit(self, session: Any, audiences: set[str]) -> None:
        """Inside the committing transaction: PostgreSQL ``NOTIFY`` (sent at COMMIT)."""
        if self.dialect == "postgresql" and not self._redis_url:
            from sqlalchemy import text

            session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": encode(audiences)})

    def after_commit(self, audiences: set[str]) -> None:
        """After COMMIT: wake this process's waiters, and publish to Redis if used."""
        self.hub.wake(frozenset(audiences))
        if self._redis_url:
            try:
                if self._redis is None:
                    import redis

                    self._redis = redis.Redis.from_url(self._redis_url)
                self._redis.publish(self.channel, encode(audiences))
            except Exception:  # noqa: BLE001 - committed: each device's next pull reads it
                log.warning("could not publish a sync wake-up to Redis", exc_info=True)

    def close(self) -> None:
        """Release the Redis client, if any."""
        if self._redis is not None:
            self._redis.close()
            self._redis = None


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:12]
