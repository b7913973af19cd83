"""The batch path every mutator can use: read once per segment, write once per table.

A mutator declares a ``prefetch`` (its *prepare* step, :class:`sync.registry.Mutator`)
that returns a :class:`Batch`. The engine calls it once for a *segment* (a stretch of an
optimistic run in which only this mutator's handlers run) with every loaded args of the
segment, hands the batch to each handler as ``ctx.prefetched``, and at the segment's end
calls :meth:`Batch.store`, inside the run's SAVEPOINT:

1. the rows the handlers deferred with :meth:`Batch.insert`, one ``executemany`` per
   table, tables in dependency order (a row's foreign keys are written first);
2. the session's flush (ORM writes the handlers left pending);
3. the work deferred with :meth:`Batch.later`, once per key with every item given for
   it (re-judging the obligations a run touched: one read for the run, not one per
   mutation), then the session's flush again. The engine runs that work once per
   optimistic *run*, for all its segments, at the run's end, or earlier when a mutator
   without a prepare step is about to run (its handler may read what the work writes).

Any failure there rolls the run back and replays it one SAVEPOINT per mutation with
``ctx.prefetched is None`` (the reference semantics, ``sync/apply.py``). A handler
written once for both paths prepares a batch of one itself when it is given none and
stores it before it returns (:func:`own`): the careful replay then runs the same code
with one mutation per batch.

Lookups (:meth:`Batch.lookup`) are the prepare step's results by name (rows by key),
kept current by the handlers for the rest of the segment. A decision taken from a
lookup that another writer could invalidate must be backed by a constraint: the failed
store then sends the run to the careful replay. Whether a new record's id is free needs
no lookup at all: its primary key decides when the row is written (a taken id fails the
store, and the careful replay, which reads it, rejects the mutation).
"""
from __future__ import annotations

from typing import Any, Callable, Hashable
from weakref import WeakKeyDictionary

from sqlalchemy import MetaData, Table, insert, inspect

__all__ = ["Batch", "own", "orm_row"]

Later = Callable[[Any, list[Any]], None]


class Batch:
    """One segment's shared state: lookups read once, rows and work deferred to its end."""

    def __init__(self, **lookups: Any) -> None:
        self.lookups: dict[str, Any] = dict(lookups)
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        self._later: dict[Hashable, tuple[Later, list[Any]]] = {}

    def lookup(self, name: str) -> Any:
        """What the prepare step read under ``name`` (``KeyError``: it read nothing so named, a bug)."""
        return self.lookups[name]

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """Defer ``row`` of ``table`` to the segment's end (one ``executemany`` per table).

        Every row of one table must name the same columns (:func:`orm_row` does)."""
        self._rows.setdefault(table, []).append(row)

    def add(self, obj: Any) -> Any:
        """Defer a new ORM object's row (:func:`orm_row`; the object stays out of the
        session, so the feed serialises it as it is) and return ``obj``."""
        self.insert(inspect(obj).mapper.local_table, orm_row(obj))
        return obj

    def later(self, key: Hashable, work: Later, item: Any) -> None:
        """Run ``work(session, [item, …])`` once at the segment's end, after its rows are
        written, with every item given under ``key`` in order."""
        self._later.setdefault(key, (work, []))[1].append(item)

    def store(self, session: Any, *, later_into: "Batch | None" = None) -> None:
        """Write the deferred rows, flush, run the deferred work, flush (see the module doc).

        ``later_into``: hand the deferred work to that batch instead of running it (the
        engine keeps one per optimistic run, so work keyed alike in several segments of a
        run, re-judging one branch, runs once at the run's end).

        Raises what the database raises (a primary key taken since the prepare step):
        the engine then replays the run carefully. Leaves the batch empty, so a batch
        may be stored more than once.
        """
        rows, self._rows = self._rows, {}
        if rows:
            conn = session.connection()
            order = _dependency_order(next(iter(rows)).metadata)
            for table in sorted(rows, key=lambda t: order.get(t, len(order))):
                conn.execute(insert(table), rows[table])
        session.flush()
        later, self._later = self._later, {}
        if later_into is not None:  # the run's: work once for all its segments
            for key, (work, items) in later.items():
                later_into._later.setdefault(key, (work, []))[1].extend(items)
            return
        for work, items in later.values():
            work(session, items)
        if later:
            session.flush()

    @property
    def has_later(self) -> bool:
        """Whether work waits for :meth:`store`."""
        return bool(self._later)


#: Each metadata's tables in dependency order, as ``{table: rank}``, with the table count it
#: was computed for: ``MetaData.sorted_tables`` sorts every table again on each call, a
#: twentieth of a mixed push's time when every segment stored rows (#17).
_ORDER: "WeakKeyDictionary[MetaData, tuple[int, dict[Table, int]]]" = WeakKeyDictionary()


def _dependency_order(metadata: MetaData) -> dict[Table, int]:
    known = _ORDER.get(metadata)
    if known is None or known[0] != len(metadata.tables):
        known = (len(metadata.tables), {t: i for i, t in enumerate(metadata.sorted_tables)})
        _ORDER[metadata] = known
    return known[1]


def own(batch: "Batch | None", prepare: Callable[[], "Batch"]) -> tuple["Batch", bool]:
    """``(batch, False)`` when the engine handed one, else ``(prepare(), True)``: a batch
    of one that the handler stores itself before returning (the careful replay)."""
    if batch is not None:
        return batch, False
    return prepare(), True


def orm_row(obj: Any) -> dict[str, Any]:
    """A new ORM object's row as Core inserts it: every column, an unset one with its
    column's Python default (set on ``obj`` too, so serialising it shows what is stored)."""
    row: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        column = attr.columns[0]
        value = getattr(obj, attr.key)
        default = column.default
        if value is None and default is not None and not default.is_sequence:
            value = default.arg(None) if default.is_callable else default.arg
            setattr(obj, attr.key, value)
        row[column.key] = value
    return row
