"""Keeping the public form and the API from being used to mail strangers or tie up workers.

- Per-client rate limits, counted in the shared cache (Redis when configured), so every web
  worker sees the same count; the client is `api.client_ip.client_ip` (REMOTE_ADDR, or what
  our own TRUSTED_PROXY_COUNT proxies saw), so a made-up X-Forwarded-For changes nothing.
  Fixed windows counted with an atomic INCR: at most twice the rate across a window's edge,
  which is enough to stop a script and never a person.
- The HTML form's minimum fill time: the form carries a signed timestamp of when it was shown;
  a submission faster than FORM_MIN_FILL_SECONDS (or without a valid stamp) is shown back.
- An unreachable cache counts nothing (ForgivingRedisCache): submissions go on, unlimited,
  rather than failing.
"""

from __future__ import annotations

import hashlib
import re
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from api.client_ip import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
FORM_STAMP_SALT = "cases.request-form.started"


def rate_parse(rate: str) -> tuple[int, int] | None:
    """ "10/hour" -> (10, 3600); empty -> None (no limit)."""
    if not rate:
        return None
    match = re.fullmatch(r"(\d+)/([smhd])\w*", rate)
    if match is None:
        raise ValueError(f"bad rate {rate!r}")
    return int(match.group(1)), _UNITS[match.group(2)]


def _count(key: str, window: int) -> int:
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
    return key_rate_exceeded(scope=scope, key=client_ip(request), rate=rate)


def key_rate_exceeded(*, scope: str, key: str, rate: str) -> int | None:
    """Count one more attempt for `key` (an email address, a client address) in `scope`; the
    seconds to wait when it is over the `rate`, else None. The cache keeps a hash of the key."""
    parsed = rate_parse(rate)
    if parsed is None:
        return None
    limit, window = parsed
    now = time.time()
    slot = int(now // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    if _count(f"rate:{scope}:{digest}:{slot}", window) <= limit:
        return None
    return max(1, int((slot + 1) * window - now))


def form_stamp() -> str:
    """A signed 'shown at' for the form's hidden field."""
    return signing.dumps(time.time(), salt=FORM_STAMP_SALT)


def form_filled_too_fast(stamp: str) -> bool:
    """True when the form came back sooner than FORM_MIN_FILL_SECONDS after it was shown, or
    without a stamp of ours (a script posting straight to the URL)."""
    minimum = settings.FORM_MIN_FILL_SECONDS
    if minimum <= 0:
        return False
    try:
        shown_at = float(signing.loads(stamp, salt=FORM_STAMP_SALT, max_age=24 * 3600))
    except (signing.BadSignature, TypeError, ValueError):
        return True
    return time.time() - shown_at < minimum


def receipt_allowed(*, email: str) -> bool:
    """Count one more receipt to `email` today (Europe/Stockholm); False past
    RECEIPTS_PER_ADDRESS_PER_DAY. Further requests are stored as usual, but nobody can make
    the form mail one address over and over. The cache keeps a hash, not the address."""
    limit = settings.RECEIPTS_PER_ADDRESS_PER_DAY
    if limit <= 0:
        return True
    day = timezone.localdate().isoformat()
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return _count(f"receipts:{address}:{day}", 86400) <= limit
