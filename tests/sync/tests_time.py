"""Shared instants of the sync tests."""
from datetime import datetime, timezone

#: conftest's T0: 10:00 in Asia/Shanghai on the project's reference day.
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
