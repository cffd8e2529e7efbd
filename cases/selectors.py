"""Case reads. Each selector owns its joins, so N+1 is fixed in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from cases import policy
from cases.models import Case, CaseEvent
from cases.services.intake import tracking_token_hash
from notifications.selectors import messages_for_case
from workflows.models import OPEN_STATES

# A case counts as "waiting too long" when it has sat in an open state this many days.
WAITING_DAYS = 14
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "waiting": ("state_changed_at", "id"),
    "reference": ("reference",),
}


@dataclass
class InboxFilters:
    state: str = ""
    municipality: str = ""
    area: str = ""
    contact: str = ""
    waiting: bool = False
    q: str = ""
    sort: str = "newest"


def inbox_cases(*, user, filters: InboxFilters) -> QuerySet[Case]:
    qs = policy.visible_cases(user).select_related("municipality", "contact")
    if filters.state == "open" or not filters.state:
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.state != "all":
        qs = qs.filter(state=filters.state)
    if filters.municipality:
        qs = qs.filter(municipality__code=filters.municipality)
    if filters.area:
        qs = qs.filter(areas__slug=filters.area)
    if filters.contact:
        qs = qs.filter(contact__email=filters.contact)
    if filters.waiting:
        qs = qs.filter(
            state__in=OPEN_STATES,
            state_changed_at__lt=timezone.now() - timedelta(days=WAITING_DAYS),
        )
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(
            Q(reference__iexact=q)
            | Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(requester_name__icontains=q)
            | Q(requester_email__iexact=q)
        )
    return qs.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def case_for_staff(*, reference: str) -> Case | None:
    return (
        Case.objects.select_related("municipality", "contact")
        .prefetch_related("areas", "forms")
        .filter(reference=reference)
        .first()
    )


def case_for_token(*, token: str) -> Case | None:
    if not token or len(token) > 100:
        return None
    return (
        Case.objects.select_related("municipality", "contact")
        .prefetch_related("areas", "forms")
        .filter(tracking_token_hash=tracking_token_hash(token))
        .first()
    )


def case_timeline(*, case: Case, public_only: bool = False) -> list:
    """Events and emails in time order. The requester sees public events only."""
    events = CaseEvent.objects.filter(case=case).select_related("actor")
    if public_only:
        return list(events.filter(public=True))
    items = [("event", e.created_at, e) for e in events]
    items += [("email", m.created_at, m) for m in messages_for_case(case_id=case.pk)]
    items.sort(key=lambda item: item[1])
    return [{"type": kind, "at": at, "item": obj} for kind, at, obj in items]
