"""The coordinators' activity pages (not the admin): create, publish, change, cancel, link a
municipality visit to cases; every rule the service holds shows as a translated field error
with what was typed kept, and every change is in the audit log."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Registration
from activities.services import registration_create
from audit.models import AuditEntry
from notifications.models import OutboxMessage
from tests.activities.conftest import make_activity
from tests.factories import make_case, make_user


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(**overrides) -> dict:
    starts = (timezone.now() + dt.timedelta(days=20)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    data = {
        "kind": "municipality_visit",
        "title": "Kommunbesök Vårgårda",
        "description": "Vi besöker kommunledningen.",
        "starts_at": _local(starts),
        "ends_at": _local(starts + dt.timedelta(hours=3)),
        "registration_deadline": _local(starts - dt.timedelta(days=2)),
        "place": "Vårgårda kommunhus",
        "online_url": "",
        "capacity": "12",
        "municipalities": ["1442"],
        "action": "draft",
    }
    data.update(overrides)
    return data


def _register(activity, email: str, **kw) -> Registration:
    registration, _ = registration_create(
        activity=activity, name="Eva Ek", email=email, role="Chef", consent=True, **kw
    )
    return registration


@pytest.fixture
def coordinator_client(client, directory, coordinator):
    client.force_login(coordinator)
    return client


def _audit_changes(activity) -> list[str]:
    return [
        e.details["change"]
        for e in AuditEntry.objects.filter(
            action="activity_changed", object_id=str(activity.pk)
        ).order_by("id")
    ]


def test_a_draft_is_not_public_until_the_coordinator_publishes_it(coordinator_client):
    response = coordinator_client.post(reverse("staff-activity-new"), _form())
    activity = Activity.objects.get()
    assert response["Location"] == reverse("staff-activity", args=[activity.pk])
    assert [m.code for m in activity.municipalities.all()] == ["1442"]
    assert activity.created_by.role == "coordinator"
    assert activity.title not in coordinator_client.get(reverse("activities")).content.decode()

    page = coordinator_client.get(reverse("staff-activity", args=[activity.pk])).content.decode()
    assert "Utkast" in page  # Swedish first: "Draft (not in the public calendar)"
    response = coordinator_client.post(reverse("staff-activity-publish", args=[activity.pk]))
    assert response.status_code == 302
    assert "Kommunbesök Vårgårda" in coordinator_client.get(reverse("activities")).content.decode()
    assert _audit_changes(activity) == ["created", "published"]


def test_save_and_publish_puts_a_new_activity_in_the_calendar_at_once(coordinator_client):
    coordinator_client.post(reverse("staff-activity-new"), _form(action="publish"))
    activity = Activity.objects.get()
    assert activity.published
    page = coordinator_client.get(reverse("activity", args=[activity.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_at": "start-1h"}, "ends_at", "Aktiviteten måste sluta efter att den börjar."),
        (
            {"registration_deadline": "start+1h"},
            "registration_deadline",
            "Sista anmälningsdag måste vara före starten.",
        ),
        ({"starts_at": "past"}, "starts_at", "Starttiden har redan passerat."),
        (
            {"registration_deadline": "past"},
            "registration_deadline",
            "Sista anmälningsdagen har redan passerat.",
        ),
        ({"capacity": "0"}, "capacity", None),
    ],
)
def test_bad_times_are_refused_with_the_fields_error_and_nothing_typed_is_lost(
    coordinator_client, change, field, message
):
    data = _form(title="Workshop om kompetensförsörjning", description="Allt jag skrev")
    starts = dt.datetime.fromisoformat(data["starts_at"])
    values = {
        "start-1h": (starts - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "start+1h": (starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "past": _local(timezone.now() - dt.timedelta(days=3)),
    }
    for name, value in change.items():
        data[name] = values.get(value, value)
    response = coordinator_client.post(reverse("staff-activity-new"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    if message:
        assert message in form.errors[field]
    page = response.content.decode()
    assert 'value="Workshop om kompetensförsörjning"' in page
    assert "Allt jag skrev" in page
    assert 'value="1442" ' in page and "checked" in page  # the ticked municipality stays
    assert not Activity.objects.exists()


def test_seats_cannot_drop_below_the_confirmed_participants(coordinator_client):
    activity = make_activity(capacity=3)
    for n in range(2):
        _register(activity, f"p{n}@boras.example")
    url = reverse("staff-activity-edit", args=[activity.pk])
    data = _form(
        kind=activity.kind,
        title=activity.title,
        starts_at=_local(activity.starts_at),
        ends_at=_local(activity.ends_at),
        registration_deadline=_local(activity.registration_deadline),
        capacity="1",
        action="save",
    )
    response = coordinator_client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["capacity"] == [
        "2 deltagare har redan en plats: aktiviteten behöver minst lika många platser "
        "(avboka anmälningar först för att göra den mindre)."
    ]
    activity.refresh_from_db()
    assert activity.capacity == 3
    assert coordinator_client.post(url, {**data, "capacity": "2"}).status_code == 302
    activity.refresh_from_db()
    assert activity.capacity == 2


def test_changing_a_published_activity_sends_each_participant_an_update_with_the_same_uid(
    coordinator_client,
):
    activity = make_activity(capacity=1)
    seat = _register(activity, "eva@boras.example")
    _register(activity, "per@boras.example", join_waiting_list=True)
    confirmation = OutboxMessage.objects.get(kind="activity_confirmed")
    first = icalendar.Calendar.from_ical(confirmation.calendar).walk("VEVENT")[0]

    later = activity.starts_at + dt.timedelta(days=1)
    data = _form(
        kind=activity.kind,
        title=activity.title,
        starts_at=_local(later),
        ends_at=_local(later + dt.timedelta(hours=2)),
        registration_deadline=_local(activity.registration_deadline),
        place="Högskolan i Borås, C203",
        capacity="1",
        action="save",
    )
    response = coordinator_client.post(reverse("staff-activity-edit", args=[activity.pk]), data)
    assert response.status_code == 302
    [update] = OutboxMessage.objects.filter(kind="activity_updated")
    assert update.recipient == seat.email  # the waiting list has no event in a calendar
    event = icalendar.Calendar.from_ical(update.calendar).walk("VEVENT")[0]
    assert str(event["uid"]) == str(first["uid"])
    assert int(event["sequence"]) == int(first["sequence"]) + 1
    assert event["location"] == "Högskolan i Borås, C203"
    assert event.decoded("dtstart") == timezone.localtime(later).replace(second=0, microsecond=0)
    entry = AuditEntry.objects.filter(action="activity_changed").latest("id")
    assert entry.details["change"] == "changed"
    assert "place" in entry.details["fields"] and entry.details["participants_told"] == 1


def test_cancelling_needs_a_tick_then_sends_cancel_and_ends_changes(coordinator_client):
    activity = make_activity()
    seat = _register(activity, "eva@boras.example")
    url = reverse("staff-activity-cancel", args=[activity.pk])
    response = coordinator_client.post(url, {})
    assert response.status_code == 400
    assert "Kryssa i rutan för att bekräfta inställandet." in response.content.decode()
    activity.refresh_from_db()
    assert not activity.is_cancelled

    assert coordinator_client.post(url, {"confirm": "on"}).status_code == 302
    [cancel] = OutboxMessage.objects.filter(kind="activity_activity_cancelled")
    assert cancel.recipient == seat.email
    calendar = icalendar.Calendar.from_ical(cancel.calendar)
    assert calendar["method"] == "CANCEL"
    activity.refresh_from_db()
    assert activity.is_cancelled
    assert "cancelled" in _audit_changes(activity)
    # A cancelled activity is not edited any more (the participants were told it is off).
    response = coordinator_client.get(reverse("staff-activity-edit", args=[activity.pk]))
    assert response.status_code == 302


def test_only_coordinators_reach_the_activity_pages(client, directory):
    activity = make_activity()
    client.force_login(make_user("contact"))
    for name, method, args in (
        ("staff-activity-new", "get", []),
        ("staff-activity-edit", "get", [activity.pk]),
        ("staff-activity-publish", "post", [activity.pk]),
        ("staff-activity-cancel", "post", [activity.pk]),
        ("staff-activity-cases", "post", [activity.pk]),
    ):
        response = getattr(client, method)(reverse(name, args=args), {"confirm": "on"})
        assert response.status_code == 403, name
    activity.refresh_from_db()
    assert not activity.is_cancelled


def test_the_staff_navigation_links_the_activity_pages(coordinator_client):
    page = coordinator_client.get(reverse("staff-activity-new")).content.decode()
    assert f'href="{reverse("staff-activities")}" aria-current="page"' in page


def test_a_municipality_visit_is_linked_to_the_cases_it_led_to(coordinator_client, coordinator):
    visit = make_activity(kind="municipality_visit", title="Kommunbesök Tranemo")
    first, second = make_case(), make_case(title="Grön energi i Tranemo")
    url = reverse("staff-activity-cases", args=[visit.pk])

    response = coordinator_client.post(url, {"references": f"{first.reference}, AK-1999-0001"})
    assert response.status_code == 400
    assert "Det finns inget ärende med diarienumret AK-1999-0001." in response.content.decode()
    assert f"{first.reference}, AK-1999-0001" in response.content.decode()  # kept
    assert not visit.cases.exists()

    response = coordinator_client.post(
        url, {"references": f"{first.reference}\n{second.reference}"}
    )
    assert response.status_code == 302
    assert set(visit.cases.all()) == {first, second}
    page = coordinator_client.get(reverse("staff-activity", args=[visit.pk])).content.decode()
    assert "Grön energi i Tranemo" in page
    case_page = coordinator_client.get(reverse("staff-case", args=[second.reference]))
    text = case_page.content.decode()
    assert "Kommunbesök Tranemo" in text
    assert reverse("staff-activity", args=[visit.pk]) in text
    entry = AuditEntry.objects.filter(action="activity_changed").latest("id")
    assert entry.details["change"] == "cases_linked"
    assert entry.details["added"] == sorted([first.reference, second.reference])


def test_only_a_municipality_visit_takes_cases(coordinator_client):
    seminar = make_activity(kind="seminar")
    case = make_case()
    response = coordinator_client.post(
        reverse("staff-activity-cases", args=[seminar.pk]), {"references": case.reference}
    )
    assert response.status_code == 400
    assert "Bara ett kommunbesök kan kopplas till ärenden." in response.content.decode()
    assert not seminar.cases.exists()


def test_the_case_page_costs_no_query_more_for_its_linked_activities(
    client, coordinator, directory, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = make_case()
    client.force_login(coordinator)
    url = reverse("staff-case", args=[case.reference])
    client.get(url)  # caches warm
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    without = len(ctx.captured_queries)
    for n in range(3):
        visit = make_activity(kind="municipality_visit", title=f"Kommunbesök {n}")
        visit.cases.add(case)
    with django_assert_max_num_queries(without):
        page = client.get(url).content.decode()
    assert all(f"Kommunbesök {n}" in page for n in range(3))


def test_saving_the_form_as_shown_sends_no_update_and_keeps_a_past_start(
    coordinator_client, coordinator
):
    # Made by a script: times with seconds, which the form's minute picker does not show.
    activity = make_activity(capacity=4)
    _register(activity, "eva@boras.example")
    with time_machine.travel(activity.starts_at + dt.timedelta(minutes=30)):
        coordinator_client.force_login(coordinator)  # a fresh session, after the start
        url = reverse("staff-activity-edit", args=[activity.pk])
        form = coordinator_client.get(url).context["form"]
        fields = ("kind", "title", "description", "place", "online_url", "capacity")
        data = {name: form[name].value() for name in fields}
        for name in ("starts_at", "ends_at", "registration_deadline"):
            data[name] = form[name].value().strftime("%Y-%m-%dT%H:%M")
        response = coordinator_client.post(url, {**data, "capacity": "5", "action": "save"})
    assert response.status_code == 302, response.context["form"].errors
    assert not OutboxMessage.objects.filter(kind="activity_updated").exists()
    activity.refresh_from_db()
    assert activity.capacity == 5


def test_the_assigned_contact_sees_the_visit_on_the_case_page_without_a_staff_link(
    client, directory, coordinator, contact_b, contact_user_b
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_b)
    visit = make_activity(kind="municipality_visit", title="Kommunbesök Vårgårda")
    visit.cases.add(case)
    client.force_login(contact_user_b)
    page = client.get(reverse("staff-case", args=[case.reference])).content.decode()
    assert "Kommunbesök och aktiviteter" in page and "Kommunbesök Vårgårda" in page
    # The activity's staff page is the coordinators': no link that would answer 403.
    assert reverse("staff-activity", args=[visit.pk]) not in page
