"""Activities for the tests, made through the service the admin uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities.models import Activity
from activities.services import activity_save


def make_activity(**overrides) -> Activity:
    starts = timezone.now() + dt.timedelta(days=14)
    values = {
        "kind": "workshop",
        "title": "Workshop om matsvinn",
        "description": "Vi jobbar med kommunernas matsvinn.",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=3),
        "place": "Högskolan i Borås, M404",
        "capacity": 10,
        "registration_deadline": starts - dt.timedelta(days=2),
        "published": True,
    }
    values.update(overrides)
    return activity_save(activity=Activity(**values), changed=values.keys())


@pytest.fixture
def activity(directory) -> Activity:
    return make_activity()


def form_data(**overrides) -> dict:
    data = {
        "name": "Eva Ek",
        "email": "eva@boras.example",
        "municipality": "1490",
        "organisation": "Borås stad",
        "role": "Miljöstrateg",
        "needs": "Vegetarisk",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
