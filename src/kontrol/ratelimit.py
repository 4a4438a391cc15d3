"""A small fixed-window rate limiter: public survey pages, logins, public links.

``hit(key, limit, window)`` counts one request under ``key`` and says whether it
is still within ``limit`` requests per ``window`` seconds; ``count`` reads a
key's count in the current window without adding to it, and ``clear`` forgets
it (a good login clears the account's failures). With
``KONTROL_REDIS_URL`` set, the counters live in Redis (``INCR`` + ``EXPIRE``), so
every web replica shares them; otherwise they live in this process's memory,
which is right for the embedded single-process default.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class RateLimiter(Protocol):
    """Counts requests per key and window."""

    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one request; True while the key is within ``limit`` per ``window`` s."""
        ...

    def count(self, key: str, window: int) -> int:
        """How many were counted under ``key`` in the current window."""
        ...

    def clear(self, key: str, window: int) -> None:
        """Forget the current window's count of ``key``."""
        ...


class MemoryRateLimiter:
    """Counters in a dict of this process; old windows are dropped as it grows."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one request under ``key``."""
        slot = int(time.time() // window)
        with self._lock:
            if len(self._counts) > 50_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot - 1}
            count = self._counts.get((f"{window}:{key}", slot), 0) + 1
            self._counts[(f"{window}:{key}", slot)] = count
        return count <= limit

    def count(self, key: str, window: int) -> int:
        """The current window's count of ``key``."""
        slot = int(time.time() // window)
        with self._lock:
            return self._counts.get((f"{window}:{key}", slot), 0)

    def clear(self, key: str, window: int) -> None:
        """Forget the current window's count of ``key``."""
        slot = int(time.time() // window)
        with self._lock:
            self._counts.pop((f"{window}:{key}", slot), None)


class RedisRateLimiter:
    """Counters in Redis, shared by every process of an installation."""

    def __init__(self, url: str, prefix: str = "kontrol:ratelimit:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one request under ``key``."""
        name = self._name(key, window)
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count = int(pipe.execute()[0])
        return count <= limit

    def _name(self, key: str, window: int) -> str:
        return f"{self._prefix}{window}:{int(time.time() // window)}:{key}"

    def count(self, key: str, window: int) -> int:
        """The current window's count of ``key``."""
        value = self._redis.get(self._name(key, window))
        return int(value) if value is not None else 0

    def clear(self, key: str, window: int) -> None:
        """Forget the current window's count of ``key``."""
        self._redis.delete(self._name(key, window))


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    """Redis-backed when ``redis_url`` is given, else in memory."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()
