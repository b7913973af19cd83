"""Login throttling shared by every server process (sync-protocol "Settled details").

At most ``login_max_failures`` failures per employee number *and source* in
``login_window_seconds``; then 429 from that source until the window passes, the right
password included. A source is a device that signed in to the account before (its device
key) or else the client address, so wrong passwords from one phone never lock the
account out of the devices its owner really uses (#12). Kept in the database (embedded
and PostgreSQL alike) or in Redis when ``REDIS_URL`` is set.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models.org import LoginFailure


class Throttle(Protocol):
    def retry_after(self, account: str, source: str, now: datetime) -> int | None:
        """Seconds until ``account`` may try again from ``source``, or ``None`` when it may now."""

    def record_failure(self, account: str, source: str, now: datetime) -> None:
        """Count one failure for ``account`` from ``source``."""

    def clear(self, account: str, source: str) -> None:
        """Forget ``account``'s failures from ``source`` (after a successful login)."""


class DbThrottle:
    """Failures as rows; the caller's transaction commits them."""

    def __init__(self, max_failures: int, window_seconds: int) -> None:
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_seconds)

    def retry_after(self, account: str, source: str, now: datetime) -> int | None:
        since = now - self.window
        mine = (LoginFailure.employee_no == account, LoginFailure.source == source, LoginFailure.at > since)
        count = db.session.scalar(select(func.count(LoginFailure.id)).where(*mine))
        if count < self.max_failures:
            return None
        recent = db.session.scalars(
            select(LoginFailure.at)
            .where(*mine)
            .order_by(LoginFailure.at.desc())
            .limit(self.max_failures)
        ).all()
        # Free again once the oldest of the last N failures leaves the window.
        free_at = min(recent) + self.window
        return max(1, int((free_at - now).total_seconds() + 0.999))

    def record_failure(self, account: str, source: str, now: datetime) -> None:
        db.session.add(LoginFailure(employee_no=account, source=source, at=now))
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - self.window * 4))

    def clear(self, account: str, source: str) -> None:
        db.session.execute(
            delete(LoginFailure).where(LoginFailure.employee_no == account, LoginFailure.source == source)
        )


class RedisThrottle:
    """Failures as a sorted set per key with a TTL of the window."""

    def __init__(self, url: str, max_failures: int, window_seconds: int) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.max_failures = max_failures
        self.window = window_seconds

    def _key(self, account: str, source: str) -> str:
        return f"fieldops:login-failures:{account}|{source}"

    def retry_after(self, account: str, source: str, now: datetime) -> int | None:
        ts = now.timestamp()
        k = self._key(account, source)
        self.redis.zremrangebyscore(k, 0, ts - self.window)
        recent = self.redis.zrevrange(k, 0, self.max_failures - 1, withscores=True)
        if len(recent) < self.max_failures:
            return None
        oldest = min(score for _, score in recent)
        return max(1, int(oldest + self.window - ts + 0.999))

    def record_failure(self, account: str, source: str, now: datetime) -> None:
        k = self._key(account, source)
        ts = now.timestamp()
        pipe = self.redis.pipeline()
        pipe.zadd(k, {f"{ts}:{id(now)}:{self.redis.incr(k + ':n')}": ts})
        pipe.expire(k, self.window)
        pipe.expire(k + ":n", self.window)
        pipe.execute()

    def clear(self, account: str, source: str) -> None:
        k = self._key(account, source)
        self.redis.delete(k, k + ":n")
