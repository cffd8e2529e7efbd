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
from redis.commands.core import Script
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
        it, in ONE round trip and one command: a script that INCRs and, on the counter's
        creation, sets its time to live (atomic, as SET NX EX then INCR in a pipeline was; a
        script is half the client's work of a pipeline). An unreachable Redis counts
        nothing: 1."""
        key = self.make_and_validate_key(key, version=version)
        try:
            client = self._cache.get_client(key, write=True)
            return int(_COUNT_SCRIPT(keys=[key], args=[timeout], client=client))
        except RedisError as exc:
            _unavailable("count", exc)
            return 1


# Script() knows its SHA1 from the text; the first call on a server loads it (EVALSHA, then
# SCRIPT LOAD and EVALSHA again when the server does not know it yet, e.g. after a restart).
# Each call names its client, so the script is registered with none.
_COUNT_SCRIPT = Script(
    None,  # type: ignore[arg-type]
    b"""
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
""",
)
