"""Field-ops fixtures: a stand-in sync engine until the real one lands, shortcuts."""
from __future__ import annotations

from typing import Any

import pytest

from .pushpull import LocalEngine


@pytest.fixture
def local_sync(app: Any) -> Any:
    """Install :class:`LocalEngine` when the app has no real sync engine."""
    if app.extensions.get("sync_engine") is None:
        app.extensions["sync_engine"] = LocalEngine(app)
    return app.extensions["sync_engine"]


@pytest.fixture
def demo(local_sync: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """The demo, seeded after the engine (or its stand-in) is in place."""
    return demo
