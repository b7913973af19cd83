"""``sync.batch.Batch.store``: deferred rows are written parents first (#17)."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, create_engine, event, select
from sqlalchemy.orm import Session

from sync.batch import Batch


def _session(metadata: MetaData) -> Session:
    engine = create_engine("sqlite://")
    event.listen(engine, "connect", lambda conn, _r: conn.execute("PRAGMA foreign_keys=ON"))
    metadata.create_all(engine)
    return Session(engine)


def test_rows_are_stored_parents_first_whatever_order_they_were_deferred_in():
    metadata = MetaData()
    child = Table("child", metadata, Column("id", Integer, primary_key=True),
                  Column("parent_id", Integer, ForeignKey("parent.id"), nullable=False))
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True))
    session = _session(metadata)
    batch = Batch()
    batch.insert(child, {"id": 1, "parent_id": 7})  # the child first: a naive order fails the key
    batch.insert(parent, {"id": 7})
    batch.store(session)
    assert session.execute(select(child.c.parent_id)).scalars().all() == [7]


def test_tables_declared_after_a_store_are_ordered_too():
    metadata = MetaData()
    first_table = Table("first", metadata, Column("id", Integer, primary_key=True))
    session = _session(metadata)
    first = Batch()
    first.insert(first_table, {"id": 1})
    first.store(session)  # the order is known now, without the tables below
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True))
    child = Table("child", metadata, Column("id", Integer, primary_key=True),
                  Column("parent_id", Integer, ForeignKey("parent.id"), nullable=False))
    metadata.create_all(session.connection())
    later = Batch()
    later.insert(child, {"id": 1, "parent_id": 2})
    later.insert(parent, {"id": 2})
    later.store(session)
    assert session.execute(select(child.c.parent_id)).scalars().all() == [2]
