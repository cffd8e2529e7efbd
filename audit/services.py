"""Writing the audit log. One INSERT per entry: the case page records every view."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.context import current_request
from audit.models import Action, AuditEntry


@functools.cache
def _client_ip() -> Callable[[Any], str]:
    # By dotted path (as django-axes takes it), so that the audit log, which every app
    # records into, imports none of them.
    return import_string(settings.AUDIT_CLIENT_IP_CALLABLE)


def client_address(request: HttpRequest | Any) -> str | None:
    """The client's address, behind TRUSTED_PROXY_COUNT trusted proxies: the one function the
    rate limits and the lockout use too (AUDIT_CLIENT_IP_CALLABLE)."""
    if request is None:
        return None
    address = _client_ip()(request) or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record(
    *,
    action: Action | str,
    request: Any = None,
    user: Any = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: object = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry. Who acted: `user`, else the request's user, else the request being
    served (audit.context), else `actor_label` ("system", "command")."""
    request = request or current_request.get()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    label = actor_label or (
        getattr(user, "email", "") or getattr(user, "username", "") if user else ""
    )
    if not label:
        label = "system" if request is None else "anonymous"
    return AuditEntry.objects.create(
        action=str(action),
        actor=user,
        actor_label=label[:254],
        object_type=object_type[:60],
        object_id=str(object_id)[:200],
        client_address=client_address(request),
        details=details or {},
    )


def audit_prune(*, now: datetime | None = None) -> int:
    """Remove entries older than AUDIT_RETENTION_DAYS; the removal itself is recorded."""
    now = now or timezone.now()
    days = settings.AUDIT_RETENTION_DAYS
    removed, _ = AuditEntry.objects.filter(at__lt=now - timedelta(days=days)).delete()
    if removed:
        audit_record(
            action=Action.AUDIT_PRUNED,
            actor_label="system",
            details={"removed": removed, "older_than_days": days},
        )
    return removed
