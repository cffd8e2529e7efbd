"""The meetings region of the case page, the meeting page, the tracking page's "add to
calendar" file, the transitions that meetings drive, the private feed and the personal data."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from io import BytesIO
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.calendar_feed import feed_create
from cases.actors import Actor
from cases.errors import CaseValidationError
from cases.models import CaseMeeting
from cases.services import case_transition
from cases.services.meetings import meeting_plan
from notifications.models import OutboxMessage
from privacy.services import requester_erase, requester_export
from tests.factories import make_case

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = dt.datetime(2027, 5, 20, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def case(directory, coordinator, contact_a, frozen):
    return make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)


def _form(**overrides) -> dict:
    return {
        "meeting-kind": "meeting",
        "meeting-starts_at": "2027-06-03T09:00",
        "meeting-ends_at": "2027-06-03T10:30",
        "meeting-place": "Tranemo kommunhus",
        "meeting-agenda": "Kompetensförsörjning",
        "meeting-invite_requester": "on",
        "meeting-invite_contact": "on",
        "meeting-others": "Nils Nilsson <nils@tranemo.example>",
        **overrides,
    }


def _plan(case, user, **data):
    return meeting_plan(
        case=case,
        actor=Actor.staff(user),
        data={"starts_at": "2027-06-03T09:00", "ends_at": "2027-06-03T10:30", **data},
    )


def test_the_contact_plans_a_meeting_from_the_case_page_and_the_requester_sees_it(
    client, case, contact_user_a
):
    client.force_login(contact_user_a)
    response = client.post(f"/staff/cases/{case.reference}/meetings/", _form())
    assert response.status_code == 302
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "2027-06-03 09:00" in page and "Nils Nilsson" in page
    assert OutboxMessage.objects.filter(kind="meeting_planned").count() == 3

    client.logout()
    track = client.get(f"/track/{case.token}/").content.decode()
    assert 'data-testid="track-meeting"' in track and "Tranemo kommunhus" in track
    meeting = CaseMeeting.objects.get()
    ics_response = client.get(f"/track/{case.token}/meetings/{meeting.pk}.ics")
    assert ics_response.status_code == 200
    assert ics_response["Content-Type"].startswith("text/calendar")
    text = ics_response.content.decode()
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["UID"]) == meeting.uid
    assert ics.Calendar(text).events.pop().begin.datetime == dt.datetime(
        2027, 6, 3, 9, 0, tzinfo=STOCKHOLM
    )
    # Another token, or none, opens nothing.
    assert client.get(f"/track/{'x' * 43}/meetings/{meeting.pk}.ics").status_code == 404


def test_a_meeting_that_ends_before_it_starts_is_refused_and_the_form_keeps_everything(
    client, case, contact_user_a
):
    client.force_login(contact_user_a)
    response = client.post(
        f"/staff/cases/{case.reference}/meetings/",
        _form(**{"meeting-ends_at": "2027-06-03T08:00"}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The meeting must end after it starts." in page or "sluta efter" in page
    assert 'value="2027-06-03T08:00"' in page
    assert "Tranemo kommunhus" in page and "Nils Nilsson &lt;nils@tranemo.example&gt;" in page
    assert not CaseMeeting.objects.exists()
    assert not OutboxMessage.objects.filter(kind__startswith="meeting").exists()


def test_the_registrar_and_another_contact_cannot_plan(client, case, registrar, contact_user_b):
    client.force_login(registrar)
    assert client.post(f"/staff/cases/{case.reference}/meetings/", _form()).status_code == 302
    client.force_login(contact_user_b)
    assert client.post(f"/staff/cases/{case.reference}/meetings/", _form()).status_code == 404
    assert not CaseMeeting.objects.exists()


def test_recording_the_first_meeting_held_moves_the_case_to_meeting_held(
    client, case, contact_user_a, frozen
):
    meeting = _plan(case, contact_user_a)
    client.force_login(contact_user_a)
    url = f"/staff/cases/{case.reference}/meetings/{meeting.pk}/record/"
    # Before it starts it cannot be recorded as held.
    response = client.post(url, {"record-minutes": "Bra möte."})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == "contact_assigned"

    frozen.move_to(dt.datetime(2027, 6, 3, 11, 0, tzinfo=STOCKHOLM))
    client.force_login(contact_user_a)  # two weeks on: the idle session has ended
    response = client.post(url, {"record-minutes": "Bra möte.", "record-outcome": "Workshop"})
    assert response.status_code == 302
    assert response["Location"].endswith("#meetings")
    case.refresh_from_db()
    meeting.refresh_from_db()
    assert case.state == "meeting_held"
    assert meeting.status == "held" and meeting.minutes == "Bra möte."
    event = case.events.get(transition="record_meeting")
    assert event.data["meeting_id"] == meeting.pk and event.data["date"] == "2027-06-03"


def test_record_meeting_without_a_planned_meeting_records_one_held_on_the_date(case, coordinator):
    case = case_transition(
        case=case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2027-05-19", "notes": "Vi träffades."},
    )
    (meeting,) = CaseMeeting.objects.filter(case=case)
    assert meeting.status == "held" and meeting.minutes == "Vi träffades."
    assert meeting.starts_at.astimezone(STOCKHOLM).date() == dt.date(2027, 5, 19)
    # No invitation for a meeting that was held already.
    assert not OutboxMessage.objects.filter(kind__startswith="meeting").exists()


def test_record_meeting_refuses_a_meeting_that_has_not_started(case, coordinator, contact_user_a):
    meeting = _plan(case, contact_user_a)
    with pytest.raises(CaseValidationError) as error:
        case_transition(
            case=case,
            name="record_meeting",
            actor=Actor.staff(coordinator),
            data={"meeting": meeting.pk, "date": "2027-05-20", "notes": "x"},
        )
    assert "meeting" in error.value.fields
    case.refresh_from_db()
    assert case.state == "contact_assigned"


def test_start_workshop_plans_the_workshop_meeting(case, coordinator):
    case = case_transition(
        case=case,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2027-05-19", "notes": "Vi träffades."},
    )
    case = case_transition(
        case=case,
        name="start_workshop",
        actor=Actor.staff(coordinator),
        data={"date": "2027-06-10", "purpose": "Forma projektet."},
    )
    workshop = CaseMeeting.objects.get(case=case, kind="workshop")
    assert workshop.status == "planned" and workshop.agenda == "Forma projektet."
    case.refresh_from_db()
    assert case.state == "workshop" and case.planned_date == dt.date(2027, 6, 10)


def test_the_case_page_reads_the_meetings_in_one_query_whatever_their_number(
    client, case, contact_user_a, coordinator
):
    client.force_login(coordinator)
    url = f"/staff/cases/{case.reference}/"
    client.get(url)
    _plan(case, contact_user_a)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for day in range(4, 9):
        _plan(
            case,
            contact_user_a,
            starts_at=f"2027-06-{day:02d}T09:00",
            ends_at=f"2027-06-{day:02d}T10:00",
            others="A <a@x.example>\nB <b@x.example>",
        )
    with CaptureQueriesContext(connection) as six:
        page = client.get(url).content.decode()
    assert page.count('data-testid="meeting"') == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_the_private_feed_shows_my_meetings_and_stops_when_revoked(
    client, case, contact_user_a, coordinator
):
    meeting = _plan(case, coordinator)  # contact A is invited as the case's contact person
    token = feed_create(user=contact_user_a)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    text = response.content.decode()
    calendar = icalendar.Calendar.from_ical(text)
    assert "METHOD" not in calendar
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == meeting.uid
    assert [e.uid for e in ics.Calendar(text).events] == [meeting.uid]
    # Another staff member's feed does not show it.
    other = feed_create(user=_registrar_user())
    assert "VEVENT" not in client.get(f"/calendar/{other}.ics").content.decode()
    # Revoked from the account page: the address stops working.
    client.force_login(contact_user_a)
    assert client.post("/staff/account/calendar/revoke/").status_code == 302
    client.logout()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{'y' * 43}.ics").status_code == 404


def _registrar_user():
    from tests.factories import make_user

    return make_user("registrar")


def test_a_new_feed_address_replaces_the_old_one_and_only_its_hash_is_stored(
    client, contact_user_a
):
    from accounts.models import CalendarFeed

    client.force_login(contact_user_a)
    first = client.post("/staff/account/calendar/")
    assert first.status_code == 201
    url = first.context["feed_url"]
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")
    assert token not in CalendarFeed.objects.get().token_hash
    assert client.get(url).status_code == 200
    second = client.post("/staff/account/calendar/")
    assert client.get(url).status_code == 404
    assert client.get(second.context["feed_url"]).status_code == 200
    assert "Revoke the calendar address" in client.get("/staff/account/").content.decode() or (
        "Återkalla" in client.get("/staff/account/").content.decode()
    )


def test_participants_are_exported_and_erased_with_the_requester(case, contact_user_a):
    _plan(case, contact_user_a, others="Nils Nilsson <nils@tranemo.example>", agenda="Hemligt")
    archive = zipfile.ZipFile(BytesIO(requester_export(email=case.requester_email)))
    data = json.loads(archive.read("data.json"))
    (row,) = data["meetings"]["meetings"]
    assert row["email"] == case.requester_email and row["role"] == "requester"

    requester_erase(email=case.requester_email)
    meeting = CaseMeeting.objects.get()
    emails = set(meeting.participants.values_list("email", flat=True))
    assert not emails & {case.requester_email, "nils@tranemo.example"}
    assert meeting.agenda == "" and meeting.place == ""
    assert not set(meeting.participants.values_list("name", flat=True)) - {""}


def test_the_tracking_timeline_names_the_meeting_events_without_staff_details(
    client, case, contact_user_a
):
    _plan(case, contact_user_a, agenda="Intern dagordning")
    page = client.get(f"/track/{case.token}/").content.decode()
    timeline = page[page.index('id="timeline-h"') :]
    assert "2027-06-03 09:00" in timeline
    assert contact_user_a.email not in timeline
