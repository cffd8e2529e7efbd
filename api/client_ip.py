"""The address of the client a request comes from, trusting only the configured proxies.

`X-Forwarded-For` is written by whoever sent the request: a client can put any address in it.
Only the entries appended by our own reverse proxies can be trusted, and each proxy appends
the address it was connected from at the right end. With `TRUSTED_PROXY_COUNT` = n proxies in
front of the application, the n-th entry from the right is the client as the outermost proxy
saw it; anything further left is the client's own claim and is ignored. With 0 (the default:
the application is reached directly) the header is ignored and REMOTE_ADDR is the client.

Everything that counts per client (rate limits, django-axes' lockout) uses this one function,
so a rotating `X-Forwarded-For` cannot make one client look like many.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote  # not through the proxies (e.g. a health check from the host itself)
    # Fewer entries than proxies: every entry was still written by a trusted proxy, and the
    # leftmost is the closest to the client that we know.
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    return _valid(candidate) or remote
