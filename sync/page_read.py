"""A plain pull's one statement: its page, the counter, and its client row.

The page is :func:`sync.store.page`'s SQL; the counter row and the client row come
after it in a ``UNION ALL`` as *sentinel* rows (``entity`` NULL), squeezed into the
page's five columns. One statement is one snapshot (PostgreSQL gives each statement its
own), so the counter is exactly as of the page, which the compaction race needs
(``tests/sync/test_compaction_race.py``), and an empty poll is one round trip instead
of three (#3). The client row's two checks — owned by the asking member, and
``last_pull_at`` fresh with the branch unchanged — are decided in SQL, so nothing is
converted per poll.

On PostgreSQL the statement also records the pull when the client row is due for it
(:attr:`ClientProbe.pulled_at`): an ``UPDATE`` of ``last_pull_at`` in a data-modifying
``WITH``, so a fleet's long polls, each of which waits longer than the touch interval,
write without a second round trip, transaction or pooled connection (#16). SQLite has
no data-modifying ``WITH``; the engine writes there after the read.
"""
from __future__ import annotations

import functools
import operator
import re
import uuid
from datetime import datetime
from typing import Any, Iterable, NamedTuple

from sqlalchemy import BigInteger, String, Text, Uuid, bindparam, column, text
from sqlalchemy.engine import Connection

from . import store
from .types import UtcDateTime

#: The counter row (``horizon_seq`` rides in ``data`` as text).
_COUNTER_SENTINEL = (
    f"SELECT seq, NULL, NULL, NULL, CAST(horizon_seq AS VARCHAR(20)) FROM sync_counter WHERE id = {store.COUNTER_ID}"
)
#: The client row needs no write: pulled recently, and of the member's branch still.
_FRESH = ("last_pull_at > :fresh_after "
          "AND (branch_id = :branch_id OR (branch_id IS NULL AND :branch_id IS NULL))")
#: The client row as a sentinel (``record_id`` 'client'): its counter, and the two
#: checks a pull makes of it, decided in SQL so no uuid or time is converted per poll.
#: A row the statement touched (``{touched}``) counts as fresh: nothing is left to write.
_CLIENT_SENTINEL = (
    "SELECT last_mutation_id, NULL, 'client', "
    "CASE WHEN staff_id = :staff_id THEN 'own' ELSE 'other' END, "
    f"CASE WHEN {_FRESH}{{touched}} THEN 'fresh' ELSE 'stale' END "
    "FROM sync_client WHERE client_id = :client_id"
)
#: PostgreSQL: the pull recorded in the statement itself, on the member's own row when it
#: is due (the checks of the sentinel), and only if the caller's :class:`Confirm` holds
#: (``{confirmed}``): a pull refused afterwards must not count as the device's sync.
#: Its snapshot is the page's, so the sentinel still sees the row as before: ``touched``
#: tells it.
_CLIENT_TOUCH = (
    "touched AS (UPDATE sync_client SET last_pull_at = :pulled_at, branch_id = :branch_id "
    f"WHERE client_id = :client_id AND staff_id = :staff_id AND NOT COALESCE(({_FRESH}), FALSE){{confirmed}} "
    "RETURNING 1)"
)
#: A :attr:`Confirm.touch`, run only when the confirmation holds.
_CONFIRM_TOUCH = "confirm_touch AS ({touch} AND {check} = :confirm_expect RETURNING 1)"
#: With writes, the confirmation is evaluated once, in a ``WITH`` of its own, that the
#: writes and the sentinel read: spelt out in each, the statement grew past psycopg's
#: 4,096 bytes, beyond which it parses a query's placeholders again on every execution.
_CONFIRMED = "confirmed AS (SELECT ({expression}) AS value)"

#: The caller's :class:`Confirm` as a sentinel (``record_id`` 'confirm', value in ``data``).
_CONFIRM_SENTINEL = "SELECT NULL, NULL, 'confirm', NULL, {check}"
_PAGE_COLUMNS = (column("seq", BigInteger), column("entity", String), column("record_id", String),
                 column("op", String), column("data", Text))


def carries_writes(dialect: str) -> bool:
    """Whether the page statement of ``dialect`` can write too (a data-modifying
    ``WITH``): PostgreSQL. Only then may a :class:`Confirm` carry a ``touch``."""
    return dialect == "postgresql"


class Confirm(NamedTuple):
    """A caller's check evaluated in the page's snapshot: ``expression`` is a ``SELECT``
    of one value (the statement parenthesises it) over ``params``, typed by ``binds``;
    its text value comes back as :attr:`PageRead.confirmed` (``None`` when it is NULL),
    and confirms when it equals ``expect``.
    Parameter names must not clash with the page's (``a0``…, ``after``, ``limit``) or
    the client probe's; prefix them. Keep ``expression`` and ``binds`` constant: the
    statement is built once per shape."""

    expression: str
    binds: tuple[Any, ...]
    params: dict[str, Any]
    #: The value that confirms; anything else (NULL too) does not.
    expect: str = "ok"
    #: An ``UPDATE … WHERE …`` (no ``RETURNING``) over ``params`` that the statement runs
    #: in the same snapshot when the confirmation holds (its WHERE is extended by it),
    #: e.g. a ``last_seen_at`` due for its update. Only where :func:`carries_writes`.
    touch: str | None = None


#: The shape of a :class:`Confirm` in the statement: expression, binds, touch.
_ConfirmShape = tuple[str, tuple[Any, ...], "str | None"]


@functools.lru_cache(maxsize=256)
def _sql(dialect: str, audiences: int, with_client: bool, confirm: _ConfirmShape | None = None,
         touch: bool = False) -> Any:
    """The page SQL with the sentinel rows appended (built once per shape; no page
    part for a scope without audiences), led by the writes: the client's touch with
    ``touch`` (with a client), the confirmation's own (PostgreSQL only)."""
    parts = [f"SELECT * FROM ({store.page_sql(dialect, audiences).text}) AS page"] if audiences else []
    parts.append(_COUNTER_SENTINEL)
    binds: list[Any] = []
    touch = touch and with_client
    if confirm is not None and confirm[2] is not None and not carries_writes(dialect):
        raise ValueError(f"a Confirm with a touch needs a data-modifying WITH, which {dialect} has not")
    writes = touch or (confirm is not None and confirm[2] is not None)
    ctes = [_CONFIRMED.format(expression=confirm[0])] if confirm is not None and writes else []
    check = "(SELECT value FROM confirmed)" if ctes else f"({confirm[0]})" if confirm is not None else ""
    if with_client:
        parts.append(_CLIENT_SENTINEL.format(touched=" OR EXISTS (SELECT 1 FROM touched)" if touch else ""))
        binds += [bindparam("client_id", type_=Uuid), bindparam("staff_id", type_=Uuid),
                  bindparam("branch_id", type_=Uuid), bindparam("fresh_after", type_=UtcDateTime)]
        if touch:
            ctes.append(_CLIENT_TOUCH.format(confirmed=f" AND {check} = :confirm_expect" if check else ""))
            binds.append(bindparam("pulled_at", type_=UtcDateTime))
    if confirm is not None:
        parts.append(_CONFIRM_SENTINEL.format(check=check))
        binds += confirm[1]
        if confirm[2] is not None:
            ctes.append(_CONFIRM_TOUCH.format(touch=confirm[2], check=check))
        if writes:
            binds.append(bindparam("confirm_expect", type_=String))
    lead = f"WITH {', '.join(ctes)} " if ctes else ""
    statement = text(lead + " UNION ALL ".join(parts))
    if binds:
        statement = statement.bindparams(*binds)
    return statement.columns(*_PAGE_COLUMNS)  # typed: the result's metadata is then cached, not read per call


class ClientProbe(NamedTuple):
    """Whose pull it is, to check its client row in the page statement."""

    client_id: uuid.UUID
    staff_id: uuid.UUID
    branch_id: uuid.UUID | None
    #: The row's ``last_pull_at`` is fresh when later than this.
    fresh_after: datetime
    #: When the pull arrived: on PostgreSQL the statement records it as ``last_pull_at``
    #: (with the member's branch) if the row is not fresh. ``None``: a read, no write.
    pulled_at: datetime | None = None


class ClientCheck(NamedTuple):
    """What the page statement found of the client row."""

    last_mutation_id: int
    #: Bound to the probing staff member.
    owned: bool
    #: ``last_pull_at`` after ``fresh_after`` and the branch unchanged: nothing to write.
    fresh: bool


#: :attr:`PageRead.confirmed` when no :class:`Confirm` was asked for.
NOT_ASKED = "not asked"


class PageRead(NamedTuple):
    """A page, the counter as of the same snapshot, and the client row if probed
    (``None`` when it has none yet)."""

    rows: list[Any]
    seq: int
    horizon_seq: int
    client: ClientCheck | None
    #: The value of the caller's :class:`Confirm` (:data:`NOT_ASKED` without one).
    confirmed: str | None = NOT_ASKED


def read(conn: Connection | RawConnection, audiences: Iterable[str], after: int, limit: int,
         client: ClientProbe | None = None, confirm: Confirm | None = None) -> PageRead:
    """:func:`sync.store.page`, :func:`sync.store.read_counter` and, with ``client``,
    the pull's look at its client row, and with ``confirm`` the caller's check, in one
    statement (see the module docstring). On a :class:`RawConnection` it runs on the
    DBAPI cursor (see there).

    With ``client.pulled_at`` on PostgreSQL the statement also records the pull on a
    row due for it, if ``confirm`` (when given) holds; :attr:`ClientCheck.fresh` then
    says so. The write commits with the statement on a connection in autocommit (as
    ``reads`` gives), else with the caller's transaction."""
    audiences = sorted(audiences)
    params: dict[str, Any] = {f"a{i}": a for i, a in enumerate(audiences)}
    params["after"], params["limit"] = after, limit
    touch = client is not None and client.pulled_at is not None and carries_writes(conn.dialect.name)
    if client is not None:
        params.update(client._asdict())
        if not touch:
            del params["pulled_at"]
    shape = None
    if confirm is not None:
        params.update(confirm.params)
        shape = (confirm.expression, confirm.binds, confirm.touch)
        if touch or confirm.touch is not None:
            params["confirm_expect"] = confirm.expect
    if isinstance(conn, RawConnection):
        rows = _execute_raw(conn, _compiled(conn.dialect, len(audiences), client is not None, shape, touch), params)
    else:
        rows = conn.execute(_sql(conn.dialect.name, len(audiences), client is not None, shape, touch), params).all()
    return _split(rows, confirm is not None)


class RawConnection(NamedTuple):
    """A pooled DBAPI connection with its dialect, for a read of one statement outside
    any transaction (PostgreSQL: in autocommit; SQLite: no ``BEGIN``).

    The page statement is then compiled once per shape and dialect and run on the DBAPI
    cursor, its parameters converted by their types' own bind processors: an empty poll
    skips SQLAlchemy's per-execution work (a quarter of its time in-process, #3).
    Statement events (``before_cursor_execute``…) do not fire for it.
    """

    dialect: Any
    dbapi: Any


class _Compiled(NamedTuple):
    sql: str
    #: Parameter names in order for a positional paramstyle (SQLite's ``qmark``, the
    #: ``$n`` of a psycopg raw cursor), else ``None``.
    order: tuple[str, ...] | None
    #: Bind processors by parameter name (only the typed parameters that have one).
    processors: tuple[tuple[str, Any], ...]
    #: The cursor class to run it on (a psycopg ``RawCursor``), or ``None``: the DBAPI's.
    cursor: Any = None


@functools.lru_cache(maxsize=256)
def _compiled(dialect: Any, audiences: int, with_client: bool,
              confirm: _ConfirmShape | None, touch: bool) -> _Compiled:
    compiled = _sql(dialect.name, audiences, with_client, confirm, touch).compile(dialect=dialect)
    processors = []
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((name, processor))
    if dialect.driver == "psycopg":
        import psycopg

        sql, order = _numbered(compiled.string)
        return _Compiled(sql, order, tuple(processors), psycopg.RawCursor)
    order = tuple(compiled.positiontup) if compiled.positional else None
    return _Compiled(compiled.string, order, tuple(processors))


_PYFORMAT = re.compile(r"%\((\w+)\)s")


def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """psycopg's ``%(name)s`` placeholders as PostgreSQL's own ``$n`` (one number per
    name), and the names in number order.

    psycopg converts a ``%(name)s`` query on every execution and caches the result only
    for queries up to 4,096 bytes; a scope of 16 audiences is past that, and parsing
    the placeholders again was a quarter of the page read's worker CPU (#16). A raw
    cursor sends ``$n`` as written."""
    names: dict[str, int] = {}
    text = _PYFORMAT.sub(lambda m: f"${names.setdefault(m.group(1), len(names) + 1)}", sql)
    return text.replace("%%", "%"), tuple(names)


def _execute_raw(conn: RawConnection, compiled: _Compiled, params: dict[str, Any]) -> list[Any]:
    for name, processor in compiled.processors:
        params[name] = processor(params[name])
    cursor = compiled.cursor(conn.dbapi.driver_connection) if compiled.cursor else conn.dbapi.cursor()
    try:
        cursor.execute(compiled.sql, tuple(map(params.__getitem__, compiled.order))
                       if compiled.order is not None else params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _split(rows: list[Any], confirming: bool = False) -> PageRead:
    """Take the sentinel rows (``entity`` NULL) out of ``rows``. They come last in
    practice; UNION ALL promises no order, so the rest is checked too (at C speed)."""
    found = {}
    while rows and rows[-1][1] is None:
        row = rows.pop()
        found[row[2]] = row
    if None in map(_ENTITY, rows):
        for row in [r for r in rows if r[1] is None]:
            found[row[2]] = row
        rows = [r for r in rows if r[1] is not None]
    counter, client = found.get(None), found.get("client")
    return PageRead(
        rows,
        int(counter[0]) if counter else 0,
        int(counter[4]) if counter else 0,
        ClientCheck(int(client[0]), client[3] == "own", client[4] == "fresh") if client else None,
        (found["confirm"][4] if "confirm" in found else None) if confirming else NOT_ASKED,
    )


_ENTITY = operator.itemgetter(1)
