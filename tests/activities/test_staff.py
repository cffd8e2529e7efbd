"""Coordinators: the admin form's rules, attendance, participant export per municipality,
the API's participant list, and the reminder the working day before."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from activities.forms import ActivityAdminForm
from activities.models import Activity, Registration
from activities.services import registration_create
from activities.tasks import send_activity_reminders
from directory.models import Municipality
from notifications.models import OutboxMessage
from tests.activities.conftest import make_activity
from tests.factories import make_user

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _register(activity, email, municipality=None, **kw):
    registration, _ = registration_create(
        activity=activity,
        name=email.split("@")[0].title(),
        email=email,
        role="Handläggare",
        consent=True,
        municipality=municipality,
        **kw,
    )
    return registration


def _admin_form(**overrides) -> ActivityAdminForm:
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=7))
    day = starts.strftime("%Y-%m-%d")
    data = {
        "kind": "seminar",
        "title": "Seminarium",
        "starts_at": f"{day} 10:00",
        "ends_at": f"{day} 12:00",
        "capacity": "30",
        "registration_deadline": f"{(starts - dt.timedelta(days=1)):%Y-%m-%d} 12:00",
    }
    data.update(overrides)
    return ActivityAdminForm(data=data)


def test_the_admin_refuses_an_end_before_the_start_and_a_start_in_the_past(db, settings):
    settings.LANGUAGE_CODE = "sv"
    day = timezone.localtime(timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%d")
    form = _admin_form(ends_at=f"{day} 09:00")
    assert not form.is_valid()
    assert form.errors["ends_at"] == ["Aktiviteten måste sluta efter att den börjar."]
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    form = _admin_form(
        starts_at=f"{past} 10:00", registration_deadline=f"{past} 09:00", ends_at=f"{past} 12:00"
    )
    assert not form.is_valid()
    assert form.errors["starts_at"] == ["Starttiden har redan passerat."]
    assert _admin_form().is_valid()


def test_a_coordinator_publishes_an_activity_in_the_admin(client, directory):
    admin = make_user("admin")
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=7))
    day = starts.strftime("%Y-%m-%d")
    data = {
        "kind": "network_meeting",
        "title": "Nätverksträff Sjuhärad",
        "description": "",
        "starts_at_0": day,
        "starts_at_1": "10:00",
        "ends_at_0": day,
        "ends_at_1": "08:00",  # before the start
        "place": "Borås",
        "capacity": "40",
        "registration_deadline_0": day,
        "registration_deadline_1": "09:00",
        "published": "on",
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
    }
    url = reverse("admin:activities_activity_add")
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with what was entered
    assert "Nätverksträff Sjuhärad" in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post(url, {**data, "ends_at_1": "12:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert activity.created_by == admin
    assert activity.title in client.get(reverse("activities")).content.decode()


def test_attendance_is_marked_after_the_activity_by_a_coordinator_only(client, directory):
    activity = make_activity()
    came = _register(activity, "eva@boras.example")
    absent = _register(activity, "per@boras.example")
    contact = make_user("contact")
    client.force_login(contact)
    assert client.get(reverse("staff-activity", args=[activity.pk])).status_code == 403
    coordinator = make_user("coordinator")
    client.force_login(coordinator)
    url = reverse("staff-activity", args=[activity.pk])
    response = client.post(url, {"attended": [str(came.pk)]})
    assert response.status_code == 400  # not started yet
    assert Registration.objects.filter(attended__isnull=False).count() == 0
    with time_machine.travel(activity.ends_at + dt.timedelta(hours=1)):
        client.force_login(coordinator)  # a fresh session two weeks later
        response = client.post(url, {"attended": [str(came.pk)]})
    assert response.status_code == 302
    assert response["Location"] == url
    came.refresh_from_db()
    absent.refresh_from_db()
    assert (came.attended, absent.attended) == (True, False)


def test_participants_export_per_municipality_as_csv_and_xlsx(client, directory):
    activity = make_activity()
    boras = Municipality.objects.get(code="1490")
    other = Municipality.objects.exclude(code="1490").filter(active=True).first()
    _register(activity, "eva@boras.example", boras, needs="Vegan")
    _register(activity, "=cmd@boras.example".replace("=", "x"), boras)
    _register(activity, "per@annan.example", other)
    client.force_login(make_user("coordinator"))

    response = client.get(
        reverse("staff-activity-export", args=[activity.pk]), {"municipality": "1490"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3  # header + Borås's two
    assert {row[0] for row in rows[1:]} == {"Borås"}
    assert "Vegan" in rows[1] + rows[2]

    response = client.get(reverse("staff-activity-export-xlsx", args=[activity.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4
    assert sorted(r[0] for r in values[1:]) == sorted(["Borås", "Borås", other.name])

    client.force_login(make_user("registrar"))
    assert client.get(reverse("staff-activity-export", args=[activity.pk])).status_code == 403


def test_the_api_lists_activities_publicly_and_participants_for_coordinators(directory):
    activity = make_activity(capacity=2)
    _register(activity, "eva@boras.example", Municipality.objects.get(code="1490"))
    public = APIClient().get(reverse("api:activity-list")).json()
    assert [a["id"] for a in public] == [activity.pk]
    assert public[0]["seats_left"] == 1
    assert "email" not in str(public)
    client = APIClient()
    client.force_authenticate(make_user("coordinator"))
    rows = client.get(reverse("api:activity-registrations", args=[activity.pk])).json()
    assert [(r["email"], r["municipality"], r["status"]) for r in rows] == [
        ("eva@boras.example", "1490", "confirmed")
    ]


def test_the_reminder_goes_out_on_the_working_day_before_once(db, directory):
    # Monday 7 June 2027, 10:00: the working day before is Friday 4 June.
    starts = dt.datetime(2027, 6, 7, 10, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(dt.datetime(2027, 5, 20, 12, 0, tzinfo=STOCKHOLM)):
        activity = make_activity(
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            registration_deadline=starts - dt.timedelta(days=1),
        )
        _register(activity, "eva@boras.example")
        _register(activity, "per@boras.example", join_waiting_list=True)
    with time_machine.travel(dt.datetime(2027, 6, 3, 16, 0, tzinfo=STOCKHOLM)):
        assert send_activity_reminders() == 0  # Thursday: too early
    with time_machine.travel(dt.datetime(2027, 6, 4, 9, 0, tzinfo=STOCKHOLM)):
        assert send_activity_reminders() == 2
    with time_machine.travel(dt.datetime(2027, 6, 4, 9, 5, tzinfo=STOCKHOLM)):
        assert send_activity_reminders() == 0  # run again: nothing more
    reminders = OutboxMessage.objects.filter(kind="activity_reminder")
    assert sorted(m.recipient for m in reminders) == ["eva@boras.example", "per@boras.example"]
