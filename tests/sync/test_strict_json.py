"""sync/strict_json.py: what it refuses, where it says the problem is, and that it accepts
every clean JSON value unchanged (#12)."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync import strict_json as sj

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
_clean = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text
    | st.sampled_from(['\\"', "\\\\", '"[', "]}\\", "{{[[", "\\\\\\\"]"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=30,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


def _nest(value, levels: int):
    for i in range(levels):
        value = [value] if i % 2 else {"k[\\\"": value}
    return value


@settings(max_examples=300, deadline=None)
@given(_clean, st.integers(min_value=0, max_value=40), st.booleans())
def test_clean_json_round_trips_and_depth_is_judged_exactly(value, levels, ascii_only):
    value = _nest(value, levels)
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    too_deep = _depth(value) > sj.MAX_DEPTH
    assert sj._is_too_deep(text) == too_deep
    if too_deep:
        with pytest.raises(sj.JsonRefused) as refused:
            sj.loads(text)
        assert refused.value.reason == "too_deep"
    else:
        assert sj.loads(text) == value


@pytest.mark.parametrize("text, reason, path", [
    ('{"a": {"b": 1, "b": 2}}', "duplicate_key", "a"),
    ('{"a": ["x", "\\ud800"]}', "lone_surrogate", "a.1"),
    ('{"a": ["\\udc00\\ud800"]}', "lone_surrogate", "a.0"),
    ('{"\\u0000": 1}', "nul", "\\u0000"),
    ('[1e400]', "not_finite", "0"),
    ("[" * 5000 + "]" * 5000, "too_deep", ".".join(["0"] * 32)),
])
def test_refusals_name_the_reason_and_the_path(text, reason, path):
    with pytest.raises(sj.JsonRefused) as refused:
        sj.loads(text.encode())
    assert (refused.value.reason, refused.value.path) == (reason, path)


@pytest.mark.parametrize("text", ['"\\ud83d\\ude00"', '"\\\\u0000"', '"\\\\ud800"', '{"a": 1, "b": {"a": 2}}'])
def test_what_looks_risky_but_is_not_is_accepted(text):
    assert sj.loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "{", "\xff", '{"a": 1,}'])
def test_what_is_not_json_is_not_json(text):
    with pytest.raises(sj.JsonRefused) as refused:
        sj.loads(text.encode("latin-1"))
    assert refused.value.reason == "not_json"
