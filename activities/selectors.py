"""Reads for activities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from activities.models import Activity, Registration, RegistrationStatus


def _with_counts(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return activities.annotate(
        n_confirmed=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        n_waiting=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
        ),
    ).prefetch_related("municipalities", "areas")


def public_activities(*, now: dt.datetime | None = None) -> QuerySet[Activity]:
    """Published activities that have not ended, soonest first (the public calendar)."""
    now = now or timezone.now()
    return _with_counts(Activity.objects.filter(published=True, ends_at__gte=now)).order_by(
        "starts_at", "pk"
    )


def public_activity(pk: int) -> Activity | None:
    return _with_counts(Activity.objects.filter(published=True, pk=pk)).first()


def activity_to_register(pk: int) -> Activity | None:
    """A published activity, without the counts and lists a page shows: the registration
    locks and counts inside the service."""
    return Activity.objects.filter(published=True, pk=pk).first()


def feed_activities(*, now: dt.datetime | None = None) -> QuerySet[Activity]:
    """The iCalendar feed: published activities of the last 90 days and the future."""
    now = now or timezone.now()
    return Activity.objects.filter(
        published=True, ends_at__gte=now - dt.timedelta(days=90)
    ).order_by("starts_at", "pk")


def staff_activities() -> QuerySet[Activity]:
    return _with_counts(Activity.objects.all()).order_by("-starts_at", "-pk")


def staff_activity(pk: int) -> Activity | None:
    return _with_counts(Activity.objects.filter(pk=pk)).first()


def participants(*, activity: Activity, municipality_code: str = "") -> QuerySet[Registration]:
    """Confirmed and waiting participants, by municipality (those without one last), then by
    registration order: the export per municipality."""
    rows = (
        activity.registrations.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("municipality")
        .order_by("municipality__name", "pk")
    )
    if municipality_code:
        rows = rows.filter(municipality__code=municipality_code)
    return rows


def waiting_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITING:
        return None
    return Registration.objects.filter(
        activity_id=registration.activity_id,
        status=RegistrationStatus.WAITING,
        pk__lte=registration.pk,
    ).count()


def linked_cases(*, activity: Activity) -> list[Any]:
    """The cases a municipality visit is linked to, by reference."""
    return list(activity.cases.select_related("municipality").order_by("reference"))
