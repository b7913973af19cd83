"""The wire envelope of push and pull (protocol v1): parsing, limits, rendering.

Anything wrong with the *envelope* refuses the whole request (400 ``invalid_request``
with ``errors`` by field path, 400 ``unsupported_protocol``, 413 ``too_large``). What is
inside one mutation (``name``, ``at``, ``args``) is not checked here: a bad mutation is
rejected on its own inside a 200 (sync-protocol "Settled details").
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C speed-up
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from . import strict_json
from .errors import InvalidRequest, TooLarge, UnsupportedProtocol

#: Protocol versions this server speaks; a change to the contract adds one.
PROTOCOL_VERSIONS: tuple[int, ...] = (1,)
PROTOCOL = PROTOCOL_VERSIONS[-1]
MAX_WAIT_SECONDS = 30
#: Ids stay exact in every JSON client (2^53) and fit a BIGINT.
MAX_MUTATION_ID = 2**53
#: Times outside these years are garbage, not clock skew (and would overflow arithmetic).
MIN_YEAR, MAX_YEAR = strict_json.MIN_YEAR, strict_json.MAX_YEAR


@dataclass(frozen=True)
class RawMutation:
    """One mutation of a push: its ``id`` (checked) and the object exactly as sent.

    ``refused`` is ``(path, reason)`` when its JSON holds what :mod:`sync.strict_json`
    refuses (nesting too deep, a repeated key, a lone surrogate, a NUL): the mutation is
    then rejected on its own, the rest of the push applies.
    """

    id: int
    raw: dict[str, Any]
    refused: tuple[str, str] | None = None


class _RefusedMutation(dict):
    """A mutation object of a parsed body that holds refused JSON (see :func:`load_json`)."""

    refused: tuple[str, str]


@dataclass(frozen=True)
class PushRequest:
    """A checked push envelope; ``mutations`` have consecutive ids."""

    client_id: uuid.UUID
    protocol: int
    sent_at: datetime
    mutations: list[RawMutation]


@dataclass(frozen=True)
class PullRequest:
    """A checked pull envelope; ``limit`` is ``None`` when the client sent none."""

    client_id: uuid.UUID
    protocol: int
    cursor: str | None
    limit: int | None
    wait: float


class Change(NamedTuple):
    """One change of a pull; ``data`` is the stored JSON text (``None`` for deletes)."""

    seq: int
    entity: str
    id: str
    op: str
    data: str | None

    def as_dict(self) -> dict[str, Any]:
        """The change as the wire carries it, parsed."""
        body: dict[str, Any] = {"entity": self.entity, "id": self.id, "op": self.op}
        if self.data is not None:
            body["data"] = json.loads(self.data)
        return body


def is_int(value: Any) -> bool:
    """A JSON integer (``true`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time *with an offset* (years 1970-2200), or ``None`` if it is not one."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed


def check_size(length: int | None, max_bytes: int) -> None:
    """Raise :class:`TooLarge` for a body over ``max_bytes``."""
    if length is not None and length > max_bytes:
        raise TooLarge(f"The body is {length} bytes; the limit is {max_bytes}.", max_bytes=max_bytes)


def load_json(data: bytes) -> Any:
    """Parse a request body strictly (:mod:`sync.strict_json`).

    Anything not JSON, or refused outside a push's mutations, is a 400
    ``invalid_request``. What is refused inside one mutation object is kept with it, so
    :func:`parse_push` rejects that mutation alone.
    """
    try:
        body, marked = strict_json.loads_marked(data)
    except strict_json.JsonRefused:
        raise InvalidRequest("The body is not JSON.", errors={"_body": ["Not valid JSON."]}) from None
    if not marked:
        return body
    mutations = body.get("mutations") if isinstance(body, dict) else None
    if isinstance(mutations, list):
        for index, item in enumerate(mutations):
            found = strict_json.find_problem(item, ("mutations", index)) if isinstance(item, dict) else None
            if found:
                mutations[index] = _RefusedMutation(item)
                mutations[index].refused = found
    found = _outside_mutations(body, mutations) if isinstance(mutations, list) else strict_json.find_problem(body)
    if found:
        raise InvalidRequest("The body holds JSON this server refuses.",
                             errors={found[0] or "_body": [strict_json.REASONS[found[1]]]})
    return body


def _outside_mutations(body: dict[str, Any], mutations: list[Any]) -> tuple[str, str] | None:
    """The first problem of a push body that no mutation object answers for."""
    if isinstance(body, strict_json.DuplicateKeys):
        return "", "duplicate_key"
    for key, value in body.items():
        found = strict_json.find_problem({key: value}) if key != "mutations" else None
        if found:
            return found
    for index, item in enumerate(mutations):
        found = None if isinstance(item, dict) else strict_json.find_problem(item, ("mutations", index))
        if found:
            return found
    return None


def _common(body: Any) -> tuple[dict[str, Any], dict[str, list[str]], uuid.UUID | None, int]:
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.", errors={"_body": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    protocol = body.get("protocol")
    if not is_int(protocol):
        errors["protocol"] = ["Required: an integer protocol version."]
    elif protocol not in PROTOCOL_VERSIONS:
        raise UnsupportedProtocol(
            f"Protocol {protocol} is not spoken here; use one of {list(PROTOCOL_VERSIONS)}.",
            supported=list(PROTOCOL_VERSIONS),
        )
    client_id = None
    try:
        client_id = uuid.UUID(body["client_id"]) if isinstance(body.get("client_id"), str) else None
    except ValueError:
        pass
    if client_id is None:
        errors["client_id"] = ["Required: a UUID string."]
    return body, errors, client_id, protocol if is_int(protocol) else 0


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidRequest("Some fields of the envelope are not valid.", errors=errors)


def parse_push(body: Any, *, max_mutations: int) -> PushRequest:
    """Check a push envelope (ids, client, protocol, ``sent_at``, sizes)."""
    body, errors, client_id, protocol = _common(body)
    sent_at = parse_time(body.get("sent_at"))
    if sent_at is None:
        errors["sent_at"] = ["Required: an ISO 8601 time with an offset."]
    raw_mutations = body.get("mutations")
    mutations: list[RawMutation] = []
    if not isinstance(raw_mutations, list):
        errors["mutations"] = ["Required: a list of mutations."]
    elif len(raw_mutations) > max_mutations:
        raise TooLarge(
            f"{len(raw_mutations)} mutations in one push; the limit is {max_mutations}.", max_mutations=max_mutations
        )
    else:
        for index, item in enumerate(raw_mutations):
            path = f"mutations.{index}"
            if not isinstance(item, dict):
                errors[path] = ["Expected a mutation object."]
            elif not is_int(item.get("id")) or not 1 <= item["id"] <= MAX_MUTATION_ID:
                errors[f"{path}.id"] = [f"Required: an integer from 1 to {MAX_MUTATION_ID}."]
            elif mutations and item["id"] != mutations[-1].id + 1:
                errors[f"{path}.id"] = [f"Ids rise by exactly 1: expected {mutations[-1].id + 1}."]
            else:
                mutations.append(RawMutation(item["id"], item, getattr(item, "refused", None)))
    _raise(errors)
    assert client_id is not None and sent_at is not None
    return PushRequest(client_id=client_id, protocol=protocol, sent_at=sent_at, mutations=mutations)


def parse_pull(body: Any) -> PullRequest:
    """Check a pull envelope (client, protocol, ``cursor``, ``limit``, ``wait``)."""
    body, errors, client_id, protocol = _common(body)
    cursor = body.get("cursor")
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        errors["cursor"] = ["Must be null or a cursor string from a previous pull."]
    limit = body.get("limit")
    if limit is not None and (not is_int(limit) or limit < 1):
        errors["limit"] = ["Must be a positive integer."]
    wait = body.get("wait", 0)
    if wait is None:
        wait = 0
    if not isinstance(wait, (int, float)) or isinstance(wait, bool) or not 0 <= wait <= MAX_WAIT_SECONDS:
        errors["wait"] = [f"Must be a number of seconds from 0 to {MAX_WAIT_SECONDS}."]
    _raise(errors)
    assert client_id is not None
    return PullRequest(client_id=client_id, protocol=protocol, cursor=cursor, limit=limit, wait=float(wait))


def encode_pull(result: dict[str, Any]) -> str:
    """Render a pull result as JSON, splicing each change's stored ``data`` text unparsed."""
    head = {k: v for k, v in result.items() if k != "changes"}
    quote = encode_basestring
    parts = []
    append = parts.append
    for change in result["changes"]:
        data = change[4]
        if data is None:
            append(f'{{"entity":{quote(change[1])},"id":{quote(change[2])},"op":{quote(change[3])}}}')
        else:
            append(f'{{"entity":{quote(change[1])},"id":{quote(change[2])},"op":{quote(change[3])},"data":{data}}}')
    return json.dumps(head, separators=(",", ":"))[:-1] + ',"changes":[' + ",".join(parts) + "]}"
