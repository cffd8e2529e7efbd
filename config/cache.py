"""The shared cache: Redis when configured, and never a reason for a request to fail.

The cache only saves work (the contact suggestions shown on a case page, the directory index
generation) and keeps counts (rate limits). A Redis outage must not turn a page or a submission
into a 500, so an unreachable Redis reads as an empty cache: reads miss, writes are dropped,
counters start again. Short socket timeouts (settings) keep a hung Redis from holding a request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _unavailable(operation: str, exc: RedisError) -> None:
    logger.warning("Cache unavailable (%s: %s); going on without it", operation, exc)


class ForgivingRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _unavailable("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            _unavailable("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            _unavailable("has_key", exc)
            return False

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            _unavailable("add", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _unavailable("set", exc)

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            _unavailable("set_many", exc)
            return list(data)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as exc:
            _unavailable("delete", exc)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            # As for a key that is not there: callers start the count again.
            _unavailable("incr", exc)
            raise ValueError(f"Key {key!r} not found (cache unavailable)") from exc

    def count(self, key: Any, timeout: int, version: int | None = None) -> int:
        """Add one to the counter `key` (created with `timeout` seconds to live) and return
        it, in ONE round trip: a pipeline of SET NX EX and INCR (what add() then incr() did in
        two). An unreachable Redis counts nothing: 1."""
        key = self.make_and_validate_key(key, version=version)
        try:
            client = self._cache.get_client(key, write=True)
            pipe = client.pipeline(transaction=False)
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
        except RedisError as exc:
            _unavailable("count", exc)
            return 1
