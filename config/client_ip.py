"""`client_ip(request)`: the client's address behind `TRUSTED_PROXY_COUNT` trusted proxies.

The implementation lives in `api.client_ip` (the lowest layer), so the apps can use it without
importing config; this is the dotted path for settings, e.g. django-axes'
`AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"`.
"""

from __future__ import annotations

from api.client_ip import client_ip

__all__ = ["client_ip"]
