"""``sync.store.page`` on both databases: exactly the rows with ``seq > after`` in the
scope's audiences, in seq order, at most ``limit`` — whichever statement the dialect uses
(SQLite: a merge of per-audience index ranges; PostgreSQL: UNION ALL per audience, or one
``IN`` scan past ``MERGE_MAX_AUDIENCES``), with other audiences' rows interleaved (#3)."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from server.extensions import db
from sync import page_read, store

AUDIENCES = [f"b{b}/{e}" for b in range(3) for e in ("incident", "staff", "patrol", "note/staff/s1")]
T = "2026-11-28T02:00:00+00:00"


def _write(rows: list[tuple[int, str, str, str]]) -> list[tuple[int, str, str, str, str, str]]:
    """Replace the feed by ``rows`` ``(seq, audience, record_id, op)``; the stored rows,
    with their audience, in seq order."""
    from datetime import datetime

    at = datetime.fromisoformat(T)
    db.session.execute(delete(store.change_table))
    feed = [(seq, "note", rec, op, None if op == "delete" else f'{{"n":{seq}}}', aud) for seq, aud, rec, op in rows]
    if feed:
        db.session.execute(insert(store.change_table), [
            {"seq": s, "entity": e, "record_id": r, "audience": a, "op": o, "data": d, "changed_at": at}
            for s, e, r, o, d, a in feed])
    db.session.commit()
    return sorted(feed)


def _brute(feed: list[tuple], scope: set[str], after: int, limit: int) -> list[tuple]:
    return [row[:5] for row in feed if row[5] in scope and row[0] > after][:limit]


def test_pages_skip_interleaved_rows_of_other_audiences(app: Any) -> None:
    # Three scope rows among many foreign ones, before, between and after them.
    rows = [(s, AUDIENCES[4 + s % 8], f"h{s}", "put") for s in range(1, 200) if s not in (50, 120, 121)]
    rows += [(50, AUDIENCES[0], "x", "put"), (120, AUDIENCES[1], "y", "put"), (121, AUDIENCES[0], "z", "delete")]
    with app.app_context():
        feed = _write(rows)
        scope = AUDIENCES[:4]
        for after, limit in [(0, 10), (0, 1), (0, 2), (50, 1), (50, 5), (120, 5), (121, 5), (199, 5), (1000, 5)]:
            assert store.page(db.session, scope, after, limit) == _brute(feed, set(scope), after, limit)
        assert [r.seq for r in store.page(db.session, scope, 0, 10)] == [50, 120, 121]
        assert store.page(db.session, [AUDIENCES[0]], 0, 10) == _brute(feed, {AUDIENCES[0]}, 0, 10)
        assert store.page(db.session, ["nobody"], 0, 10) == [] and store.page(db.session, [], 0, 10) == []


feeds = st.lists(
    st.tuples(st.integers(1, 3), st.sampled_from(AUDIENCES), st.integers(0, 30), st.sampled_from(["put", "delete"])),
    max_size=60,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    raw=feeds,
    scopes=st.lists(st.sets(st.sampled_from(AUDIENCES + ["nobody"]), min_size=1, max_size=len(AUDIENCES) + 1),
                    min_size=1, max_size=4),
    limits=st.lists(st.integers(1, 70), min_size=1, max_size=3),
    merge_max=st.sampled_from([0, 1, 2, store.MERGE_MAX_AUDIENCES]),
    data=st.data(),
)
def test_page_is_the_brute_force_filter(app: Any, raw: list, scopes: list, limits: list, merge_max: int,
                                        data: st.DataObject) -> None:
    # Seqs strictly increase by random gaps; one row per (record, audience), as the feed keeps.
    rows, seq, seen = [], 0, set()
    for gap, aud, rec, op in raw:
        seq += gap
        if (rec, aud) not in seen:
            seen.add((rec, aud))
            rows.append((seq, aud, f"r{rec}", op))
    saved = store.MERGE_MAX_AUDIENCES
    store.MERGE_MAX_AUDIENCES = merge_max
    page_read._sql.cache_clear()  # built per shape, under the strategy in force
    try:
        with app.app_context():
            feed = _write(rows)
            top = feed[-1][0] if feed else 0
            for scope in scopes:
                for limit in limits:
                    # A full pull, page after page, from cursor 0 ...
                    after, pulled = 0, []
                    while True:
                        page = store.page(db.session, scope, after, limit)
                        assert page == _brute(feed, scope, after, limit)
                        # The pull's one statement (page + counter row) reads the same page.
                        read = page_read.read(db.session.connection(), scope, after, limit)
                        assert [tuple(r) for r in read.rows] == page and read.seq == 0
                        pulled += page
                        if len(page) < limit:
                            break
                        after = page[-1][0]
                    assert pulled == _brute(feed, scope, 0, len(feed))
                    # ... and from any cursor, the head and past it.
                    after = data.draw(st.integers(0, top + 2))
                    assert store.page(db.session, scope, after, limit) == _brute(feed, scope, after, limit)
            db.session.rollback()
    finally:
        store.MERGE_MAX_AUDIENCES = saved
        page_read._sql.cache_clear()
