"""Keeping the public form and the API from being used to mail strangers or tie up workers.

- Per-client rate limits (`api.ratelimit`), counted in the shared cache (Redis when configured), so every web
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
import time

from django.conf import settings
from django.core import signing
from django.utils import timezone

from api.ratelimit import client_rate_exceeded, count_in_window, rate_parse

__all__ = ["client_rate_exceeded", "rate_parse"]  # re-exported: the limits live in api

FORM_STAMP_SALT = "cases.request-form.started"


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
    return count_in_window(f"receipts:{address}:{day}", 86400) <= limit
