"""Strict JSON input: the limits every JSON body and every loaded value obey (#12).

JSON text may hold what no column, no encoder and no later arithmetic can: containers
nested thousands deep (Python's parser recurses), lone UTF-16 surrogates (``"\\ud800"``
is valid JSON, but not UTF-8), NUL characters (PostgreSQL's text refuses them), numbers
beyond a float (``1e400`` parses as infinity) and objects naming a key twice (the last
silently wins). This module refuses them, once, for the engine and for the server:

* :func:`loads` parses a body and raises :class:`JsonRefused` naming the first problem.
* :func:`loads_marked` parses without raising on those problems: each is left in the
  value as a mark (an over-deep container becomes :data:`TOO_DEEP`, an object with a
  repeated key a :class:`DuplicateKeys`), and :func:`find_problem` finds the first one
  under a value. The push envelope uses it so that one bad mutation is rejected alone.
* :func:`check_loaded` bounds what a schema loaded: integers fit a signed 64-bit column,
  dates and times lie in years :data:`MIN_YEAR`..:data:`MAX_YEAR` (so converting an
  ``+14:00`` time to UTC, or adding a day, cannot overflow).

The limits are written here and nowhere else.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date
from itertools import accumulate
from typing import Any, Iterator

#: Deepest nesting of arrays and objects accepted (a push's args sit at depth 4).
MAX_DEPTH = 32
#: What a signed 64-bit column (SQLite INTEGER, PostgreSQL BIGINT) holds.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
#: Times outside these years are garbage, not clock skew (and would overflow arithmetic).
MIN_YEAR, MAX_YEAR = 1970, 2200

#: What an over-deep container is replaced by before parsing. It starts with a NUL, which
#: a sender's own string may not hold, so it cannot be mistaken for data.
TOO_DEEP = "\x00too_deep"
_TOO_DEEP_TEXT = b'"\\u0000too_deep"'
_NOT_FINITE = "\x00not_finite"

#: A string literal of JSON text (the unrolled form: fast on long bodies).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
#: Escapes that may decode to a NUL or to half of a surrogate pair.
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}

REASONS = {
    "too_deep": f"Arrays and objects nest at most {MAX_DEPTH} deep.",
    "duplicate_key": "An object names a key twice.",
    "lone_surrogate": "A string holds half of a UTF-16 surrogate pair.",
    "nul": "A string holds a NUL character.",
    "not_finite": "A number is too large to be represented.",
}


class JsonRefused(ValueError):
    """The text is JSON we do not accept (or not JSON at all: ``reason`` ``not_json``).

    ``path`` is the dotted path of the first problem (``""`` for the whole body).
    """

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason, self.path = reason, path
        message = REASONS.get(reason, "Not valid JSON.")
        super().__init__(f"{message} (at {path})" if path else message)

    def errors(self) -> dict[str, list[str]]:
        """Field errors in the shape of a 422's ``errors``: ``{path or "_body": [message]}``."""
        return {self.path or "_body": [REASONS.get(self.reason, "Not valid JSON.")]}


class DuplicateKeys(dict):
    """An object that named a key twice: the mark :func:`loads_marked` leaves."""


class _Marks:
    """What one parse left in its value, so the value is walked only when it must be."""

    def __init__(self) -> None:
        self.any = False

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) != len(pairs):
            self.any = True
            return DuplicateKeys(pairs)
        return value

    def number(self, text: str) -> Any:
        value = float(text)
        if math.isfinite(value):
            return value
        self.any = True
        return _NOT_FINITE


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _max_depth(data: bytes) -> int:
    """The deepest nesting of ``data`` (brackets inside strings do not count)."""
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be too deep: the cheap answer for small bodies
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def _cut_deep(data: bytes) -> bytes:
    """``data`` with every container opened below :data:`MAX_DEPTH` replaced by a mark."""
    out, depth, start, kept = [], 0, 0, 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if token[0] == 0x22:  # a string
            continue
        if token in (b"[", b"{"):
            depth += 1
            if depth == MAX_DEPTH + 1:
                start = match.start()
        else:
            if depth == MAX_DEPTH + 1:
                out += [data[kept:start], _TOO_DEEP_TEXT]
                kept = match.end()
            depth -= 1
    out.append(data[kept:])
    return b"".join(out)


def loads_marked(data: bytes | str) -> tuple[Any, bool]:
    """Parse ``data``; returns ``(value, marked)``. Raises :class:`JsonRefused`
    (``not_json``) only when the text is not JSON. ``marked`` is False when the value
    certainly holds no problem, so :func:`find_problem` need not walk it."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    marks = _Marks()
    if _max_depth(raw) > MAX_DEPTH:
        raw, marks.any = _cut_deep(raw), True
    try:
        value = json.loads(raw, object_pairs_hook=marks.pairs, parse_float=marks.number,
                           parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JsonRefused("not_json") from None
    return value, marks.any or _RISKY_ESCAPE.search(raw) is not None


def loads(data: bytes | str) -> Any:
    """Parse a JSON body strictly. Raises :class:`JsonRefused` for anything refused."""
    value, marked = loads_marked(data)
    if marked:
        found = find_problem(value)
        if found:
            raise JsonRefused(found[1], found[0])
    return value


def dumps_refused(value: Any) -> str:
    """JSON text of a refused value for a log: ASCII-escaped (a NUL or a lone surrogate
    reaches no column as such), an over-deep container named instead of kept."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace(json.dumps(TOO_DEEP), json.dumps(f"(nested deeper than {MAX_DEPTH}: not kept)")).replace(
        json.dumps(_NOT_FINITE), json.dumps("(a number too large: not kept)"))


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "too_deep" if text == TOO_DEEP else "not_finite" if text == _NOT_FINITE else "nul"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "lone_surrogate"
    return None


def path_text(parts: tuple[Any, ...]) -> str:
    """A dotted path whose keys are ASCII-escaped (a key may itself be refused text)."""
    return ".".join(str(p) if isinstance(p, int) else json.dumps(p)[1:-1] for p in parts)


def find_problem(value: Any, prefix: tuple[Any, ...] = ()) -> tuple[str, str] | None:
    """``(path, reason)`` of the first refused thing under ``value``, or ``None``."""
    for parts, reason in _problems(value, prefix):
        return path_text(parts), reason
    return None


def _problems(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        reason = _string_problem(value)
        if reason:
            yield path, reason
    elif isinstance(value, dict):
        if isinstance(value, DuplicateKeys):
            yield path, "duplicate_key"
        for key, item in value.items():
            reason = _string_problem(key)
            if reason:
                yield path + (key,), reason
            yield from _problems(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _problems(item, path + (index,))


def check_loaded(value: Any, path: tuple[Any, ...] = ()) -> dict[str, list[str]]:
    """Field errors for values a schema loaded that no column or arithmetic can take:
    integers beyond 64 bits, dates and times outside :data:`MIN_YEAR`..:data:`MAX_YEAR`,
    strings with a NUL or a lone surrogate. ``{}`` when all is well."""
    errors: dict[str, list[str]] = {}
    _check(value, path, errors)
    return errors


def _check(value: Any, path: tuple[Any, ...], errors: dict[str, list[str]]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            errors[path_text(path)] = [f"Must be between {INT_MIN} and {INT_MAX}."]
    elif isinstance(value, date):  # datetimes too
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            errors[path_text(path)] = [f"Must lie in the years {MIN_YEAR} to {MAX_YEAR}."]
    elif isinstance(value, str):
        reason = _string_problem(value)
        if reason:
            errors[path_text(path)] = [REASONS[reason]]
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(item, path + (key,), errors)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            _check(item, path + (index,), errors)
