from __future__ import annotations

from django.db.models import QuerySet

from directory.models import Area, CollaborationForm, ContactPerson, Municipality


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.filter(active=True).order_by("name")


def area_list() -> QuerySet[Area]:
    return Area.objects.filter(active=True).order_by("name_sv")


def form_list() -> QuerySet[CollaborationForm]:
    return CollaborationForm.objects.filter(active=True).order_by("lead_time_weeks", "name_sv")


def contact_list() -> QuerySet[ContactPerson]:
    return ContactPerson.objects.filter(active=True).prefetch_related("areas").order_by("name")
