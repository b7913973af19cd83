"""``UtcDateTime``: aware UTC in, aware UTC out; on SQLite one fused bind step that
writes exactly what the composed pair (``process_bind_param`` + SQLite's ``DATETIME``)
writes, so rows written before and after it compare and sort alike."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from sync.types import UtcDateTime

SQLITE = sqlite.dialect()

aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.builds(timezone, st.integers(-23 * 60 + 1, 23 * 60 - 1).map(lambda m: timedelta(minutes=m))),
)


def bound(kind: type = UtcDateTime, dialect=SQLITE):
    """The processor a statement uses (SQLAlchemy asks the type's dialect impl)."""
    return kind().dialect_impl(dialect).bind_processor(dialect)


def composed(kind: type = UtcDateTime):
    """What SQLAlchemy's own composition binds: the decorator's step, then the impl's."""
    return TypeDecorator.bind_processor(kind().dialect_impl(SQLITE), SQLITE)


@given(aware)
def test_sqlite_bind_writes_what_the_composed_pair_writes(value):
    assert isinstance(composed()(value), str)
    assert bound()(value) == composed()(value)


def test_sqlite_bind_keeps_microseconds_and_four_digit_years():
    fused = bound()
    assert fused(datetime(2026, 11, 28, 10, 5, tzinfo=timezone.utc)) == "2026-11-28 10:05:00.000000"
    assert fused(datetime(987, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=8)))) == "0987-01-01 19:04:05.000006"
    assert fused(None) is None


@pytest.mark.parametrize("dialect", [SQLITE, postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_naive_and_non_datetimes_are_refused(dialect):
    process = bound(dialect=dialect)
    with pytest.raises(ValueError, match="naive"):
        process(datetime(2026, 11, 28, 10, 5))
    with pytest.raises(TypeError, match="needs a datetime"):
        process("2026-11-28T10:05:00Z")


def test_a_storage_format_of_its_own_gets_the_composed_pair():
    class Slashed(UtcDateTime):
        impl = sqlite.DATETIME(
            timezone=True,
            storage_format="%(year)04d/%(month)02d/%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
            regexp=r"(\d+)/(\d+)/(\d+) (\d+):(\d+):(\d+)",
        )

    value = datetime(2026, 11, 28, 18, 5, 7, 123, tzinfo=timezone(timedelta(hours=8)))
    assert bound(Slashed)(value) == composed(Slashed)(value) == "2026/11/28 10:05:07"


def test_rows_round_trip_and_sort_in_time_order_on_sqlite():
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    base = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    values = [base + timedelta(microseconds=1), base.astimezone(timezone(timedelta(hours=8))),
              base - timedelta(days=400, seconds=1), base + timedelta(seconds=59, microseconds=999_999)]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "at": v} for i, v in enumerate(values)])
        back = conn.execute(select(table.c.at).order_by(table.c.at)).scalars().all()
        after = conn.execute(select(table.c.id).where(table.c.at > base)).scalars().all()
    assert back == sorted(values)
    assert all(v.tzinfo is timezone.utc for v in back)
    assert sorted(after) == [0, 3]
