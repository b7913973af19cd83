"""The sync engine's public API: what the domain (``server/``) may import, and nothing else.

``server/`` imports these names from ``sync`` itself (``from sync import SyncEngine``),
never from the modules behind them; the modules are the engine's own and may change
(``tests/sync/test_boundary.py`` checks both directions). See ``sync/README.md``.
"""
from __future__ import annotations

from . import strict_json
from .batch import Batch, orm_row, own
from .bulk import bind_processor, copy_rows
from .context import MutationContext, TimeAttribution
from .engine import EngineSettings, Reads, SyncEngine, quota_dict
from .errors import MutationRejected, SyncError, Unconfirmed
from .feed import dumps
from .notify import Notifier, release_all
from .page_read import Confirm, RawConnection, carries_writes
from .protocol import Change, check_size, encode_pull, load_json
from .registry import Entity, Mutator, Principal, Registry, Scope
from .schema import metadata
from .store import OWN_TRANSACTION, SQLITE_AUTOCOMMIT
from .types import UtcDateTime, iso

__all__ = [
    # wiring: the registry the domain fills, the engine over it
    "Registry", "Mutator", "Entity", "Principal", "Scope", "SyncEngine", "EngineSettings", "Notifier", "Reads",
    # what a handler is given and may raise
    "MutationContext", "TimeAttribution", "MutationRejected", "SyncError", "Unconfirmed",
    # the batch path (#17)
    "Batch", "own", "orm_row",
    # the wire: bodies in, pulls out, the one JSON both sides accept
    "check_size", "load_json", "encode_pull", "Change", "strict_json", "dumps",
    # the pull's read seams: a remembered principal's check (and its write), pooled DBAPI reads
    "Confirm", "carries_writes", "RawConnection",
    # shutdown of waiting pulls, supervisors' view of a client
    "release_all", "quota_dict",
    # storage: one metadata for every table, aware UTC times, the one wire time format
    "metadata", "UtcDateTime", "iso",
    # bulk writes past SQLAlchemy's per-row binding (#14): a column's bind processor, COPY
    "bind_processor", "copy_rows",
    # a connection whose statements are each their own transaction, per dialect
    "OWN_TRANSACTION", "SQLITE_AUTOCOMMIT",
]
