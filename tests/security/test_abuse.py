"""The public form and the API cannot be scripted into mailing strangers: per-client limits
in the shared cache, a honeypot, a minimum fill time and a daily cap of receipts per address.
A person who hits a limit keeps what they typed."""

from __future__ import annotations

import re
import time

import pytest
import redis
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from cases.models import Case
from notifications.models import OutboxMessage
from tests.cases.test_request_form import valid_post

URL = "/requests/new/"
API = "/api/v1/requests/"
API_SUBMISSION = {
    "municipality": "1490",
    "requester_name": "Eva Ek",
    "requester_email": "eva.ek@boras.example",
    "requester_role": "Miljöstrateg",
    "title": "Minska matsvinnet",
    "description": "Vi vill halvera matsvinnet i skolköken.",
    "areas": ["resursatervinning"],
    "consent": True,
}

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.fixture
def shared_cache(settings, redis_url):
    """Django's cache in Redis, as in production (CACHE_URL/REDIS_URL)."""
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.ForgivingRedisCache", "LOCATION": redis_url}
    }
    cache.clear()
    yield redis.Redis.from_url(redis_url)
    cache.clear()


def _stamp(client) -> str:
    page = client.get(URL).content.decode()
    return re.search(r'name="started" value="([^"]+)"', page).group(1)


def test_html_form_is_limited_per_client_with_a_429_that_keeps_what_was_typed(
    client, directory, settings, shared_cache
):
    settings.FORM_SUBMIT_RATE = "2/hour"
    codes = [client.post(URL, valid_post(title=f"Ärende {n}")).status_code for n in range(2)]
    assert codes == [302, 302]

    response = client.post(URL, valid_post(title="Mitt tredje ärende"))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Många förfrågningar har skickats från ditt nätverk" in page
    assert 'value="Mitt tredje ärende"' in page  # nothing typed is lost
    assert Case.objects.count() == 2
    # The count is in Redis, where every web worker reads it.
    assert any(b"form-submit" in key for key in shared_cache.keys("*"))
    # Another client is not affected.
    assert client.post(URL, valid_post(), REMOTE_ADDR="10.0.0.2").status_code == 302


def test_a_rotating_x_forwarded_for_does_not_escape_the_api_limit(
    directory, settings, shared_cache
):
    settings.API_SUBMIT_RATE = "2/minute"
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient()
    codes = [
        client.post(API, API_SUBMISSION, "json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert codes == [201, 201, 429, 429]
    assert any(b"api-submit" in key for key in shared_cache.keys("*"))


def test_behind_one_trusted_proxy_clients_are_told_apart_by_the_proxys_entry(directory, settings):
    settings.API_SUBMIT_RATE = "1/minute"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = APIClient(REMOTE_ADDR="10.0.0.1")
    first = proxy.post(API, API_SUBMISSION, "json", HTTP_X_FORWARDED_FOR="203.0.113.1")
    spoofed = proxy.post(API, API_SUBMISSION, "json", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.1")
    other = proxy.post(API, API_SUBMISSION, "json", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert (first.status_code, spoofed.status_code, other.status_code) == (201, 429, 201)


def test_a_form_sent_back_within_seconds_is_shown_again_and_then_accepted(
    client, directory, settings
):
    settings.FORM_MIN_FILL_SECONDS = 3
    with time_machine.travel(time.time(), tick=False) as traveller:
        stamp = _stamp(client)
        response = client.post(URL, valid_post(started=stamp, title="Skolkökens svinn"))

        assert response.status_code == 200
        page = response.content.decode()
        assert "Kontrollera det du har fyllt i och skicka formuläret igen." in page
        assert 'value="Skolkökens svinn"' in page
        assert not Case.objects.exists()

        traveller.shift(4)
        restamped = re.search(r'name="started" value="([^"]+)"', page).group(1)
        traveller.shift(4)
        response = client.post(URL, valid_post(started=restamped, title="Skolkökens svinn"))
    assert response.status_code == 302
    assert Case.objects.get().title == "Skolkökens svinn"


def test_a_post_without_the_forms_stamp_creates_nothing(client, directory, settings):
    settings.FORM_MIN_FILL_SECONDS = 3
    response = client.post(URL, valid_post(started="forged"))
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_a_filled_honeypot_creates_nothing_and_is_emptied_on_the_form_shown_again(
    client, directory
):
    response = client.post(URL, valid_post(homepage="http://spam.example"))
    assert response.status_code == 200
    assert not Case.objects.exists()
    assert "spam.example" not in response.content.decode()


def test_receipts_per_address_are_capped_per_day_and_the_requester_is_told(
    client, directory, settings
):
    settings.RECEIPTS_PER_ADDRESS_PER_DAY = 2
    for n in range(2):
        client.post(URL, valid_post(title=f"Ärende {n}"))
    response = client.post(URL, valid_post(title="Ärende 3"), follow=True)

    assert Case.objects.count() == 3  # stored, all of them
    assert OutboxMessage.objects.filter(kind="receipt").count() == 2
    page = response.content.decode()
    assert 'data-testid="receipt-not-sent"' in page
    assert "redan skickats till din e-postadress i dag" in page
    # Another address still gets its receipt.
    client.post(URL, valid_post(requester_email="ann@kommun.example"))
    assert OutboxMessage.objects.filter(kind="receipt").count() == 3


@pytest.mark.parametrize("field", ["areas", "forms"])
def test_an_api_list_of_180000_values_is_a_quick_400(directory, field):
    started = time.monotonic()
    response = APIClient().post(API, API_SUBMISSION | {field: ["x"] * 180_000}, "json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert time.monotonic() - started < 3
    assert not Case.objects.exists()


def test_the_form_refuses_more_areas_than_the_cap_and_keeps_the_rest(client, directory):
    response = client.post(URL, valid_post(areas=["resursatervinning"] * 60, title="Behåll mig"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_areas_error"' in page
    assert 'value="Behåll mig"' in page
    assert not Case.objects.exists()


def test_a_form_post_with_thousands_of_fields_is_refused(client, directory, settings):
    response = client.post(URL, valid_post(areas=["x"] * 5000))
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_directory_contact_areas_are_capped_too(directory):
    from tests.factories import make_user

    client = APIClient()
    client.force_authenticate(make_user("admin"))
    response = client.patch(
        "/api/v1/contacts/anna.lindqvist@hb.example/", {"areas": ["x"] * 10_000}, "json"
    )
    assert response.status_code == 400
    assert "areas" in response.json()["error"]["fields"]
