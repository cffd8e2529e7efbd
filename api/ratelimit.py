"""Per-client rate limits for public writes (the request form and its API, activity
registrations), counted in the shared cache (Redis when configured), so every web worker sees
the same count; the client is `api.client_ip.client_ip` (REMOTE_ADDR, or what our own
TRUSTED_PROXY_COUNT proxies saw), so a made-up X-Forwarded-For changes nothing. Fixed windows
counted with an atomic INCR: at most twice the rate across a window's edge, which is enough to
stop a script and never a person. An unreachable cache counts nothing (submissions go on).
Shared plumbing: imports no app."""

from __future__ import annotations

import hashlib
import re
import time

from django.core.cache import cache
from django.http import HttpRequest

from api.client_ip import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int] | None:
    """ "10/hour" -> (10, 3600); empty -> None (no limit)."""
    if not rate:
        return None
    match = re.fullmatch(r"(\d+)/([smhd])\w*", rate)
    if match is None:
        raise ValueError(f"bad rate {rate!r}")
    return int(match.group(1)), _UNITS[match.group(2)]


def count_in_window(key: str, window: int) -> int:
    count = getattr(cache, "count", None)  # Redis (config.cache): one round trip, not two
    if count is not None:
        return int(count(key, timeout=window + 60))
    cache.add(key, 0, timeout=window + 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is unreachable
        cache.set(key, 1, timeout=window + 60)
        return 1


def client_rate_exceeded(request: HttpRequest, *, scope: str, rate: str) -> int | None:
    """Count one more attempt of this client in `scope`; the seconds to wait when it is over
    the `rate` ("10/hour"), else None. The cache keeps a hash, not the address."""
    parsed = rate_parse(rate)
    if parsed is None:
        return None
    limit, window = parsed
    now = time.time()
    slot = int(now // window)
    client = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    if count_in_window(f"rate:{scope}:{client}:{slot}", window) <= limit:
        return None
    return max(1, int((slot + 1) * window - now))
