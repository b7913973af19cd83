"""``sync.feed.dumps``, the feed's and the wire's JSON text: orjson writes it (#14
"Speed"), and it is the text the standard encoder with the feed's options writes —
our times (``…Z``), ids, decimals and sets included; a float may be spelled otherwise
(``1e-7`` for ``1e-07``), never another number — and what orjson refuses (integers beyond
64 bits, a lone surrogate) still comes out as it always did."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync import feed

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_LEAF = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _TEXT
         | st.uuids() | st.dates() | st.decimals(allow_nan=False, allow_infinity=False, places=2)
         | st.datetimes(timezones=st.just(timezone.utc)) | st.frozensets(st.integers(0, 9), max_size=3))
_VALUES = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                       max_leaves=12)


@given(_VALUES)
def test_the_text_is_the_standard_encoders(value: Any) -> None:
    assert feed.dumps(value) == feed._ENCODER.encode(value)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=4))
def test_a_float_is_the_same_number(values: list[float]) -> None:
    assert json.loads(feed.dumps(values)) == values


def test_times_ids_and_what_orjson_refuses() -> None:
    at = datetime(2026, 11, 28, 2, 0, 5, 120000, tzinfo=timezone.utc)
    assert feed.dumps({"at": at, "on": date(2026, 11, 28), "id": uuid.UUID(int=1), "n": Decimal("2.50")}) == (
        '{"at":"2026-11-28T02:00:05.120000Z","on":"2026-11-28","id":"00000000-0000-0000-0000-000000000001",'
        '"n":"2.50"}')
    assert feed.dumps({"big": 2**70, 1: "ü"}) == '{"big":1180591620717411303424,"1":"ü"}'
    assert feed.dumps(["\ud800"]) == json.dumps(["\ud800"], ensure_ascii=False)
    local = datetime(2026, 11, 28, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert feed.dumps([local]) == '["2026-11-28T10:00:00+08:00"]'
