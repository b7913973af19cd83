"""PostgreSQL: a pull's page is read in index order even when the planner's statistics
are stale, as they are for a new branch whose audiences grew since the last ANALYZE (#3).

With the default ``random_page_cost`` (4) and an audience ANALYZE saw empty, PostgreSQL
reads the whole audience with a bitmap scan and sorts it, for every page: a page then
costs what the audience holds, not what it returns (measured 2.4-6.8 ms a page for an
audience of 10,000 against 0.15-0.47 ms in index order, ``bench/README.md``). The app's
connections run with ``random_page_cost`` 1.1 (``FIELDOPS_PG_RANDOM_PAGE_COST``, the
usual value for SSDs), under which the ordered index scan wins whatever the estimate.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import text

from server import create_app
from server.extensions import db
from sync import store


@pytest.fixture
def db_url(pg_database):
    """PostgreSQL only: SQLite's statement is pinned with INDEXED BY."""
    return pg_database


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _page_plan(app: Any) -> list[dict[str, Any]]:
    """The plan of a page of three audiences, one of them grown by 5,000 rows since
    ANALYZE. All in one transaction, rolled back: nothing else sees the rows, and no
    autovacuum can analyze them in between."""
    with app.app_context():
        with db.engine.connect() as conn:
            # What a fresh or long-unanalyzed feed looks like to the planner: no statistics.
            conn.execute(text("DELETE FROM pg_statistic WHERE starelid = 'sync_change'::regclass"))
            top = conn.execute(text("SELECT coalesce(max(seq), 0) FROM sync_change")).scalar_one()
            conn.execute(text(
                "INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at) "
                "SELECT :top + g, 'incident', 'grown-' || g, 'grown/incident', 'put', '{}', now() "
                "FROM generate_series(1, 10000) AS g"), {"top": top})
            audiences = sorted(["grown/incident", "grown/staff", "grown/branch"])
            params = {f"a{i}": a for i, a in enumerate(audiences)} | {"after": 0, "limit": 501}
            plan = conn.execute(text("EXPLAIN (FORMAT JSON) " + store.page_sql("postgresql", 3).text),
                                params).scalar_one()
            conn.rollback()
    return list(_nodes(plan[0]["Plan"]))


def _reads_in_index_order(nodes: list[dict[str, Any]]) -> bool:
    scans = [n for n in nodes if n.get("Relation Name") == "sync_change"]
    return bool(scans) and all(n["Node Type"] in ("Index Scan", "Index Only Scan") for n in scans) \
        and not any(n["Node Type"] == "Sort" for n in nodes)


def test_a_grown_audience_is_read_in_index_order(app):
    nodes = _page_plan(app)
    assert _reads_in_index_order(nodes), [(n["Node Type"], n.get("Relation Name")) for n in nodes]


def test_the_setting_is_what_makes_it_so(app, db_url, tmp_path):
    """Without the setting (the server's default cost), the same page is a bitmap scan
    and a sort: the test above would catch the setting going missing."""
    plain = create_app({"database_url": db_url, "testing": True, "secret_key": "test-secret",
                        "photo_dir": str(tmp_path / "photos"), "pg_random_page_cost": ""})
    nodes = _page_plan(plain)
    assert not _reads_in_index_order(nodes), [(n["Node Type"], n.get("Relation Name")) for n in nodes]
    with plain.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW random_page_cost")).scalar_one() == "4"
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW random_page_cost")).scalar_one() == "1.1"
    with plain.app_context():
        db.engine.dispose()
