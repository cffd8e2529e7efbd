"""A contact person edits their own directory entry at /staff/profile/; nobody else's."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Area, ContactPerson
from directory.suggestions import rank_contacts, search_contacts

pytestmark = pytest.mark.django_db

URL = reverse("staff-profile")


def form_data(**overrides) -> dict:
    data = {
        "keywords": "matsvinn\n  biogas \n\nkompostering",
        "areas": [str(Area.objects.get(slug="resursatervinning").pk)],
        "max_active_cases": "3",
        "languages": ["sv", "en"],
        "away_until": "",
    }
    data.update(overrides)
    return data


def test_contact_person_sees_their_own_entry_as_lists(client, contact_a, contact_user_a):
    client.force_login(contact_user_a)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["keywords"] == "\n".join(contact_a.keyword_list)
    assert set(form.initial["languages"]) == set(contact_a.language_list)
    assert ("sv", "Svenska") in form.fields["languages"].choices
    assert ("ar", "Arabiska") in form.fields["languages"].choices  # in Swedish, as the page


def test_saving_the_profile_stores_keywords_and_languages_as_the_import_does(
    client, contact_a, contact_user_a
):
    client.force_login(contact_user_a)
    response = client.post(URL, form_data())
    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.keywords == "matsvinn;biogas;kompostering"
    assert contact_a.languages == "sv;en"
    assert contact_a.max_active_cases == 3
    assert [a.slug for a in contact_a.areas.all()] == ["resursatervinning"]
    assert contact_a.away_until is None


def test_invalid_values_are_shown_and_nothing_is_saved(client, contact_a, contact_user_a):
    before = contact_a.keywords
    client.force_login(contact_user_a)
    response = client.post(URL, form_data(max_active_cases="-1", languages=[]))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"max_active_cases", "languages"}
    assert 'id="error-summary"' in response.content.decode()
    contact_a.refresh_from_db()
    assert contact_a.keywords == before


def test_the_page_edits_only_the_signed_in_persons_entry(
    client, contact_a, contact_b, contact_user_a, contact_user_b
):
    before = contact_b.keywords
    client.force_login(contact_user_a)
    client.post(URL, form_data(keywords="endast-anna"))
    contact_b.refresh_from_db()
    assert contact_b.keywords == before
    assert ContactPerson.objects.get(pk=contact_a.pk).keywords == "endast-anna"


def test_staff_without_a_contact_entry_get_only_their_notification_choices(
    client, directory, coordinator
):
    client.force_login(coordinator)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'name="notify-notify_reply"' in page.content.decode()
    assert 'name="keywords"' not in page.content.decode()
    assert client.post(URL, form_data()).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, directory):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_away_person_is_not_suggested_but_still_found_and_marked_away(
    client, contact_a, contact_user_a
):
    request = {"title": "Biogas", "text": "Vi vill bygga en biogasanläggning.", "loads": {}}
    client.force_login(contact_user_a)
    client.post(URL, form_data())
    assert contact_a.email in [s.contact.email for s in rank_contacts(**request, limit=20)]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client.post(URL, form_data(away_until=tomorrow.isoformat()))

    assert contact_a.email not in [s.contact.email for s in rank_contacts(**request, limit=20)]
    assert contact_a.email in [p.email for p, _ in search_contacts("biogas")]
    page = client.get(reverse("contact", args=[contact_a.pk])).content.decode()
    assert "Borta till" in page
    assert 'data-testid="away"' in client.get(URL).content.decode()


def test_an_absence_that_ended_yesterday_no_longer_hides_the_person(contact_a):
    contact_a.keywords = "biogas"
    contact_a.away_until = timezone.localdate() - datetime.timedelta(days=1)
    contact_a.save()
    request = {"title": "Biogas", "text": "Vi vill bygga en biogasanläggning.", "loads": {}}
    assert contact_a.email in [s.contact.email for s in rank_contacts(**request, limit=20)]
    assert not contact_a.is_away


def test_a_contact_person_turns_reply_emails_into_the_digest(client, contact_user_a):
    client.force_login(contact_user_a)
    page = client.get(URL).content.decode()
    assert 'name="notify-notify_new_request"' not in page  # new requests go to coordinators
    response = client.post(
        URL,
        {"notify-submit": "1", "notify-notify_reply": "digest", "notify-notify_withdrawn": "off"},
    )
    assert response.status_code == 302
    contact_user_a.refresh_from_db()
    assert (contact_user_a.notify_reply, contact_user_a.notify_withdrawn) == ("digest", "off")
    bad = client.post(
        URL, {"notify-submit": "1", "notify-notify_reply": "loud", "notify-notify_withdrawn": "off"}
    )
    assert bad.status_code == 400
    contact_user_a.refresh_from_db()
    assert contact_user_a.notify_reply == "digest"
