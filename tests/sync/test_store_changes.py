"""``sync.store.upsert_changes`` on both databases: the bulk path (``BULK_CHANGES`` rows
or more: COPY on PostgreSQL, a driver-level executemany on SQLite) stores exactly what
the per-row statement stores, replacing rows on conflict (#14 "Speed")."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select

from server.extensions import db
from sync import bulk, store

T = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def _rows(first_seq: int, n: int, op: str) -> list[dict[str, Any]]:
    return [{"seq": first_seq + i, "entity": "note", "record_id": f"r{i}", "audience": f"b{i % 3}/note",
             "op": op, "data": None if op == "delete" else f'{{"n":{i},"t":"ü"}}',
             "changed_at": T + timedelta(minutes=i % 7)} for i in range(n)]


def _stored() -> list[tuple]:
    t = store.change_table
    return [tuple(r) for r in db.session.execute(
        select(t.c.seq, t.c.entity, t.c.record_id, t.c.audience, t.c.op, t.c.data, t.c.changed_at).order_by(t.c.seq))]


def _write(batches: list[list[dict[str, Any]]]) -> list[tuple]:
    db.session.execute(delete(store.change_table))
    for rows in batches:
        store.upsert_changes(db.session, rows)
        db.session.commit()
    return _stored()


def test_the_bulk_path_stores_what_the_row_path_stores_and_replaces_on_conflict(app: Any) -> None:
    n = bulk.BULK_CHANGES + 5
    with app.app_context():
        # Row path only: a first write, then the same records again with new seqs.
        small = [_rows(1, n, "put")[i:i + 100] for i in range(0, n, 100)]
        again = [_rows(n + 1, n, "delete")[i:i + 100] for i in range(0, n, 100)]
        expected = _write(small + again)
        # Bulk path: the same two writes, each in one call.
        assert _write([_rows(1, n, "put"), _rows(n + 1, n, "delete")]) == expected
        assert len(expected) == n and expected[0][0] == n + 1 and expected[0][4] == "delete"
        # A bulk write over rows the row path wrote, and a second bulk write on one connection.
        assert _write(small + [_rows(n + 1, n, "delete")]) == expected
        fresh = _write([_rows(1, n, "put")])
        assert [r[5] for r in fresh[:2]] == ['{"n":0,"t":"ü"}', '{"n":1,"t":"ü"}']
        assert all(r[6] == T + timedelta(minutes=i % 7) for i, r in enumerate(fresh))


def test_rows_of_new_records_go_in_whole_and_a_broken_promise_still_commits(app: Any, caplog: Any) -> None:
    """``new=True`` (records created in the transaction): copied straight into the feed on
    PostgreSQL. Were a stored row of the same record ever there, the rows are upserted
    instead (and a warning says so): the commit holds, the newest row wins."""
    n = bulk.BULK_CHANGES + 5
    with app.app_context():
        expected = _write([_rows(1, n, "put"), _rows(n + 1, n, "delete")])
        db.session.execute(delete(store.change_table))
        store.upsert_changes(db.session, _rows(1, n, "put"), new=True)
        db.session.commit()
        assert _stored() == _write([_rows(1, n, "put")])
        assert not [r for r in caplog.records if r.name == "sync.bulk"]
        store.upsert_changes(db.session, _rows(n + 1, n, "delete"), new=True)  # the promise broken
        db.session.commit()
        assert _stored() == expected
        warned = [r for r in caplog.records if r.name == "sync.bulk"]
        assert len(warned) == (1 if db.engine.dialect.name == "postgresql" else 0)


def test_current_rows_reads_ranges_of_the_key_not_the_whole_feed(app: Any, statements: Any) -> None:
    """The feed rows of a push's changed records, by entity and record, read through the
    primary key: on SQLite a row-value ``IN`` scanned the whole feed (#17)."""
    with app.app_context():
        db.session.execute(delete(store.change_table))
        rows = _rows(1, 12, "put") + [{**r, "entity": "memo", "seq": r["seq"] + 100} for r in _rows(1, 4, "put")]
        store.upsert_changes(db.session, rows)
        keys = [("note", "r1"), ("note", "r4"), ("memo", "r2"), ("memo", "r9"), ("none", "r1")]
        with statements() as seen:
            found = store.current_rows(db.session, keys)
        assert found == {("note", "r1"): {"b1/note": "put"}, ("note", "r4"): {"b1/note": "put"},
                         ("memo", "r2"): {"b2/note": "put"}}
        [sql] = [q for q in seen if q.startswith("SELECT")]
        if db.engine.dialect.name == "sqlite":
            plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, ("x",) * sql.count("?")).all()
            assert not [p for p in plan if "SCAN sync_change" in p[-1]], plan
        db.session.rollback()
