"""A small fixed-window rate limiter for the public survey pages.

``hit(key, limit, window)`` counts one request under ``key`` and says whether it
is still within ``limit`` requests per ``window`` seconds. With
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


class RedisRateLimiter:
    """Counters in Redis, shared by every process of an installation."""

    def __init__(self, url: str, prefix: str = "kontrol:ratelimit:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one request under ``key``."""
        slot = int(time.time() // window)
        name = f"{self._prefix}{window}:{slot}:{key}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count = int(pipe.execute()[0])
        return count <= limit


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    """Redis-backed when ``redis_url`` is given, else in memory."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()
