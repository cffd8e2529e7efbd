"""The admin speaks as Samverka, in Swedish, and edits lists as lists."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Area, ContactPerson
from notifications.models import OutboxMessage, OutboxStatus
from tests.factories import make_user
from workflows.models import ReminderRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, directory):
    client.force_login(make_user("admin"))
    return client


def test_admin_is_branded_samverka_not_django(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Samverka – administration" in html
    assert "Django" not in html.split("<body")[1].split('id="content"')[0]
    assert "css/admin.css" in html
    assert "favicon.svg" in html


def test_outbox_columns_are_labelled_in_swedish(admin_client):
    OutboxMessage.objects.create(
        key="k1",
        kind="receipt",
        recipient="eva@boras.example",
        subject="Kvitto",
        body_text="Hej",
        status=OutboxStatus.FAILED,
        next_attempt_at=timezone.now(),
    )
    html = admin_client.get(reverse("admin:notifications_outboxmessage_changelist")).content
    for header in ("Skapat", "Typ", "Mottagare", "Läge", "Försök", "Skickad"):
        assert f">{header}<".encode() in html or f">{header}</a>".encode() in html, header
    assert b"Misslyckades" in html or b"Failed" not in html
    message = OutboxMessage.objects.get()
    page = admin_client.get(
        reverse("admin:notifications_outboxmessage_change", args=[message.pk])
    ).content.decode()
    assert "Nästa försök" in page and "Idempotensnyckel" in page


def test_reminder_rule_list_has_six_short_labelled_columns(admin_client):
    assert ReminderRule.objects.exists()  # the defaults come from a data migration
    html = admin_client.get(reverse("admin:workflows_reminderrule_changelist")).content.decode()
    assert "<thead>" in html, html[html.find("<main") : html.find("<main") + 3000]
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert head.count('scope="col"') == 7  # the checkbox column and six
    assert "Efter (dagar)" in head and "Påminns" in head
    form = admin_client.get(reverse("admin:workflows_reminderrule_add")).content.decode()
    assert "Vem som påminns" in form


def test_contact_person_keywords_and_languages_are_edited_as_lists(admin_client, contact_a):
    url = reverse("admin:directory_contactperson_change", args=[contact_a.pk])
    html = admin_client.get(url).content.decode()
    assert 'type="checkbox" name="languages" value="sv"' in html
    assert "\n".join(contact_a.keyword_list) in html
    response = admin_client.post(
        url,
        {
            "email": contact_a.email,
            "name": contact_a.name,
            "title": contact_a.title,
            "department": contact_a.department,
            "phone": "",
            "user": "",
            "areas": [Area.objects.get(slug="resursatervinning").pk],
            "keywords": "matsvinn\n biogas\n\n",
            "languages": ["sv", "en"],
            "max_active_cases": "4",
            "away_until": "",
            "bio_sv": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact_a.refresh_from_db()
    assert contact_a.keywords == "matsvinn;biogas"
    assert contact_a.languages == "sv;en"
    assert ContactPerson.objects.get(pk=contact_a.pk).max_active_cases == 4


def test_contact_person_names_edited_in_the_admin_lose_bidi_and_invisible_characters(
    admin_client, contact_a
):
    """As the API and the public form clean them: a name that displays reversed ("Trojan
    Source") or hides zero-width characters is stored as it reads."""
    url = reverse("admin:directory_contactperson_change", args=[contact_a.pk])
    response = admin_client.post(
        url,
        {
            "email": contact_a.email,
            "name": "Anna\u202e Lind\u200bqvist",
            "title": "Lektor\u2066",
            "department": "\ufeffInstitutionen för textil",
            "phone": "",
            "user": "",
            "areas": [Area.objects.get(slug="resursatervinning").pk],
            "keywords": "mat\u200bsvinn",
            "languages": ["sv"],
            "max_active_cases": "4",
            "away_until": "",
            "bio_sv": "Forskar om \u202dåtervinning",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = ContactPerson.objects.get(pk=contact_a.pk)
    assert stored.name == "Anna Lindqvist"
    assert stored.title == "Lektor"
    assert stored.department == "Institutionen för textil"
    assert stored.keywords == "matsvinn"
    assert stored.bio_sv == "Forskar om återvinning"


def test_an_area_added_in_the_admin_loses_invisible_characters(admin_client):
    response = admin_client.post(
        reverse("admin:directory_area_add"),
        {
            "slug": "textilatervinning",
            "name_sv": "Textil\u200båtervinning",
            "name_en": "\u202eTextile recycling",
            "description_sv": "",
            "description_en": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = Area.objects.get(slug="textilatervinning")
    assert (area.name_sv, area.name_en) == ("Textilåtervinning", "Textile recycling")


def test_directory_names_saved_without_a_form_are_cleaned_too(directory):
    """An import or a script that skips validation stores the cleaned text as well."""
    person = ContactPerson.objects.create(email="ny.person@hb.example", name="Ny\u202e Person")
    assert person.name == "Ny Person"
    assert ContactPerson.objects.get(pk=person.pk).name == "Ny Person"
