"""Which cases are due for anonymisation, and what is held about one email address."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import Case
from workflows.models import FINAL_STATES


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` minus whole calendar months (the 31st becomes the month's last day)."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    month += 1
    for day in range(local.day, 27, -1):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return local.replace(year=year, month=month, day=min(local.day, 28))


def retention_months(state: str) -> int:
    return int(settings.RETENTION_MONTHS_BY_STATE.get(state, settings.RETENTION_MONTHS))


def cases_due(*, now: datetime | None = None) -> QuerySet[Case]:
    """Ended cases (closed, declined, withdrawn) whose end lies further back than their
    outcome's retention time and that still hold personal data. A case that ended is in a
    final state since `state_changed_at` (a reopened case is not ended)."""
    now = now or timezone.now()
    due = Q()
    for state in FINAL_STATES:
        due |= Q(state=state, state_changed_at__lt=months_before(now, retention_months(state)))
    return Case.objects.filter(due, anonymised_at__isnull=True).order_by("state_changed_at", "id")


def cases_of_requester(*, email: str) -> QuerySet[Case]:
    """Every case submitted from this address (any letter case), not yet anonymised."""
    return Case.objects.filter(
        requester_email__iexact=email.strip(), anonymised_at__isnull=True
    ).order_by("created_at", "id")


def with_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with what the exports show, without a query per case."""
    return cases.select_related("municipality", "contact").prefetch_related("areas", "forms")
