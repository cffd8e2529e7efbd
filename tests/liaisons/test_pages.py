"""What a liaison sees: every request from their own municipality, with state, contact person,
meetings and outcome, what the requester may see of each event; never the university's internal
notes, internal fields or the conversation; nothing of another municipality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from activities.models import Activity
from audit.models import Action, AuditEntry
from cases.actors import Actor
from cases.services import case_transition
from cases.services.notes import case_date_plan, case_note_add
from conversation.services import staff_message_send
from directory.models import Municipality
from tests.activities.conftest import make_activity
from tests.factories import make_case
from tests.liaisons.conftest import signed_in

pytestmark = pytest.mark.django_db

SECRETS = (
    "HEMLIG intern anteckning",
    "Mötesanteckning bara för högskolan",
    "Syftet är internt",
    "Meddelande till beställaren",
    "eva.ek@boras.example",
)


@pytest.fixture
def world(directory, coordinator, contact_a, contact_user_a):
    """Borås: an open case with a meeting held, internal notes and a message, a planned date,
    and a closed one; Tranemo: a case of its own."""
    boras_open = make_case(
        steps=("assign_contact",), actor=coordinator, contact=contact_a, title="Matsvinn i skolan"
    )
    case_date_plan(
        case=boras_open,
        actor=Actor.staff(coordinator),
        date=timezone.localdate() + dt.timedelta(days=10),
    )
    boras_open = case_transition(
        case=boras_open,
        name="record_meeting",
        actor=Actor.staff(coordinator),
        data={"date": "2026-01-15", "notes": "Mötesanteckning bara för högskolan"},
    )
    boras_open = case_transition(
        case=boras_open,
        name="start_workshop",
        actor=Actor.staff(coordinator),
        data={"date": "2026-02-01", "purpose": "Syftet är internt"},
    )
    case_note_add(case=boras_open, actor=Actor.staff(coordinator), text="HEMLIG intern anteckning")
    staff_message_send(case=boras_open, user=coordinator, body="Meddelande till beställaren")
    boras_closed = make_case(
        steps=("assign_contact", "record_meeting", "close"),
        actor=coordinator,
        contact=contact_a,
        title="Solceller på förskolor",
    )
    tranemo = make_case(
        municipality=Municipality.objects.get(code="1452"),
        title="Kompetensförsörjning i Tranemo",
        requester_email="tove@tranemo.example",
    )
    return {"open": boras_open, "closed": boras_closed, "tranemo": tranemo}


def test_the_overview_lists_the_open_requests_of_the_liaisons_municipality_only(
    liaison_client, world
):
    page = liaison_client.get("/kommun/").content.decode()
    assert "Borås: samverkan med högskolan" in page
    assert world["open"].reference in page and "Matsvinn i skolan" in page
    assert "Workshop" in page and "Anna Lindqvist" in page
    assert world["closed"].reference not in page, "open requests first"
    assert world["tranemo"].reference not in page
    assert "Kompetensförsörjning i Tranemo" not in page
    for secret in SECRETS:
        assert secret not in page


def test_ended_requests_show_their_outcome(liaison_client, world):
    page = liaison_client.get("/kommun/?show=ended").content.decode()
    assert world["closed"].reference in page and "Avslutad" in page and "Genomförd" in page
    assert world["open"].reference not in page
    everything = liaison_client.get("/kommun/?show=all").content.decode()
    assert world["closed"].reference in everything and world["open"].reference in everything
    assert world["tranemo"].reference not in everything


def test_the_case_page_shows_state_contact_meeting_and_what_the_requester_may_see(
    liaison_client, world
):
    case = world["open"]
    response = liaison_client.get(f"/kommun/arenden/{case.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Matsvinn i skolan" in page
    assert "Workshop" in page
    assert "Anna Lindqvist" in page and "anna.lindqvist@hb.example" in page
    assert "Planerat möte" in page and "Möte genomfört" in page
    assert "Eva Ek, Miljöstrateg" in page
    for secret in SECRETS:
        assert secret not in page, secret


def test_the_closed_case_shows_its_outcome_and_the_public_summary(liaison_client, world):
    page = liaison_client.get(f"/kommun/arenden/{world['closed'].reference}/").content.decode()
    assert "Genomförd" in page
    assert "Sammanfattning: Klart." in page


def test_another_municipalitys_case_is_a_404_like_a_case_that_does_not_exist(liaison_client, world):
    other = liaison_client.get(f"/kommun/arenden/{world['tranemo'].reference}/")
    missing = liaison_client.get("/kommun/arenden/AK-1999-9999/")
    assert other.status_code == missing.status_code == 404
    assert "Kompetensförsörjning i Tranemo" not in other.content.decode()


def test_the_other_municipalitys_liaison_sees_their_case_and_not_borås(other_liaison, world):
    client = signed_in(Client(), other_liaison)
    page = client.get("/kommun/?show=all").content.decode()
    assert "Tranemo: samverkan med högskolan" in page
    assert world["tranemo"].reference in page
    assert world["open"].reference not in page and world["closed"].reference not in page
    assert client.get(f"/kommun/arenden/{world['open'].reference}/").status_code == 404
    assert client.get(f"/kommun/arenden/{world['tranemo'].reference}/").status_code == 200


def test_every_page_needs_a_signed_in_liaison(client, world):
    for path in ("/kommun/", f"/kommun/arenden/{world['open'].reference}/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/kommun/logga-in/"


def test_opening_a_case_is_in_the_audit_log(liaison_client, world):
    liaison_client.get(f"/kommun/arenden/{world['open'].reference}/")
    entry = AuditEntry.objects.get(action=Action.CASE_VIEWED)
    assert entry.actor_label == "liaison:lena.berg@boras.example"
    assert entry.object_id == world["open"].reference


def test_upcoming_activities_for_the_municipality_or_for_everyone(liaison_client, directory):
    for_boras = make_activity(title="Nätverksträff i Borås")
    for_boras.municipalities.set([Municipality.objects.get(code="1490")])
    make_activity(title="Seminarium för alla")
    for_mark = make_activity(title="Besök i Mark")
    for_mark.municipalities.set([Municipality.objects.get(code="1463")])
    make_activity(title="Opublicerad workshop", published=False)
    past = make_activity(title="Redan hållen")
    Activity.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3, hours=-2),
    )
    page = liaison_client.get("/kommun/").content.decode()
    assert "Nätverksträff i Borås" in page and "Seminarium för alla" in page
    for absent in ("Besök i Mark", "Opublicerad workshop", "Redan hållen"):
        assert absent not in page


def test_the_overview_pages_through_many_requests(liaison_client, directory):
    for n in range(27):
        make_case(title=f"Förfrågan nummer {n}")
    first = liaison_client.get("/kommun/").content.decode()
    second = liaison_client.get("/kommun/?show=open&page=2").content.decode()
    assert "Sida 1 av 2" in first and "Förfrågan nummer 26" in first
    assert "Förfrågan nummer 0<" in second and "Förfrågan nummer 26" not in second


def test_the_overview_shows_the_municipalitys_figures_from_the_reports(
    liaison_client, directory, coordinator, contact_a
):
    from reports.services import aggregates_refresh

    page = liaison_client.get("/kommun/").content.decode()
    assert "Siffrorna har inte räknats ännu." in page
    make_case(steps=("assign_contact", "record_meeting", "start_project"), actor=coordinator)
    make_case()
    make_case(municipality=Municipality.objects.get(code="1452"))
    aggregates_refresh(full=True)
    response = liaison_client.get("/kommun/")
    figures = response.context["figures"]
    assert figures["year"] == timezone.localdate().year
    assert (figures["received"], figures["projects_started"]) == (2, 1), "Tranemo's not counted"
    page = response.content.decode()
    assert f"Er samverkan i siffror, {timezone.localdate().year}" in page
    assert '<dd data-testid="figure-received">2</dd>' in page
    assert "Hur långt förfrågningarna kom" in page and "50 %" in page
    assert "Siffrorna räknades senast" in page


def test_the_figures_of_an_earlier_year_are_for_that_year(liaison_client, directory):
    last_year = timezone.localdate().year - 1
    figures = liaison_client.get(f"/kommun/?year={last_year}").context["figures"]
    assert (figures["year"], figures["start"], figures["end"]) == (
        last_year,
        dt.date(last_year, 1, 1),
        dt.date(last_year, 12, 31),
    )
    too_old = liaison_client.get("/kommun/?year=1999").context["figures"]
    assert too_old["year"] == timezone.localdate().year


def test_the_case_page_shows_planned_meetings_as_the_requester_sees_them(
    liaison_client, directory, coordinator, contact_a
):
    from cases.services.meetings import meeting_plan

    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    meeting_plan(
        case=case,
        actor=Actor.staff(coordinator),
        data={
            "kind": "meeting",
            "starts_at": "2099-06-03T09:00",
            "ends_at": "2099-06-03T10:00",
            "place": "Borås stadshus",
            "online_url": "https://meet.example/hemligt-rum",
            "agenda": "Gå igenom behovet",
            "others": "Nils Nilsson <nils@boras.example>",
        },
    )
    page = liaison_client.get(f"/kommun/arenden/{case.reference}/").content.decode()
    assert "Planerade möten" in page
    assert "3 juni 2099 09:00" in page and "Borås stadshus" in page
    assert "Gå igenom behovet" in page
    assert "Möte planerat: 2099-06-03 09:00" in page, "the timeline names the meeting"
    for private in ("meet.example/hemligt-rum", "nils@boras.example"):
        assert private not in page
