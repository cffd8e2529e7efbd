from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry


def audit_entries(
    *,
    action: str = "",
    who: str = "",
    obj: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first; `who` matches the actor's email, `obj` an object id or type."""
    rows = AuditEntry.objects.all()
    if action:
        rows = rows.filter(action=action)
    if who:
        rows = rows.filter(actor_label__icontains=who)
    if obj:
        rows = rows.filter(Q(object_id=obj) | Q(object_type=obj))
    if since:
        rows = rows.filter(at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until:
        end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
        rows = rows.filter(at__lt=end)
    return rows.order_by("-at", "-id")
