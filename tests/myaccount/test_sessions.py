"""Idle staff sessions end by themselves; a user sees where they are signed in and ends the
other sessions, or all of them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import UserSession

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
ACCOUNT = "/staff/account/"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(user, *, agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_in(client: Client) -> bool:
    return client.get("/staff/").status_code == 200


def test_a_session_idle_longer_than_the_timeout_is_signed_out(coordinator, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 8 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = browser(coordinator, agent=FIREFOX, ip="192.0.2.10")
    with time_machine.travel(start + dt.timedelta(hours=7, minutes=59), tick=False):
        assert signed_in(client)  # activity: the idle time starts again here
    with time_machine.travel(start + dt.timedelta(hours=15, minutes=50), tick=False):
        assert signed_in(client)
    with time_machine.travel(start + dt.timedelta(hours=24), tick=False):
        response = client.get("/staff/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=/staff/")
    assert "Du loggades ut efter en tid utan aktivitet." in response.content.decode()


def test_the_idle_timeout_is_configurable(coordinator, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = browser(coordinator, agent=FIREFOX, ip="192.0.2.10")
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert not signed_in(client)


def test_the_account_page_lists_each_signed_in_device_with_address_and_last_seen(coordinator):
    laptop = browser(coordinator, agent=FIREFOX, ip="192.0.2.10")
    browser(coordinator, agent=IPHONE, ip="198.51.100.20")

    page = laptop.get(ACCOUNT).content.decode()

    assert "Firefox på Windows" in page
    assert "Safari på iPhone" in page
    assert "192.0.2.10" in page
    assert "198.51.100.20" in page
    assert "(den här enheten)" in page
    assert "efter 8 timmar utan aktivitet" in page
    assert UserSession.objects.filter(user=coordinator).count() == 2


def test_sign_out_everywhere_else_ends_the_other_sessions_only(coordinator, registrar):
    laptop = browser(coordinator, agent=FIREFOX, ip="192.0.2.10")
    phone = browser(coordinator, agent=IPHONE, ip="198.51.100.20")
    someone_else = browser(registrar, agent=FIREFOX, ip="192.0.2.10")

    response = laptop.post(f"{ACCOUNT}sessions/end/", {"which": "others"}, follow=True)

    assert "Utloggad från 1 annan session." in response.content.decode()
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert signed_in(someone_else)


def test_sign_out_all_ends_this_session_too(coordinator):
    laptop = browser(coordinator, agent=FIREFOX, ip="192.0.2.10")
    phone = browser(coordinator, agent=IPHONE, ip="198.51.100.20")

    response = laptop.post(f"{ACCOUNT}sessions/end/", {"which": "all"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not signed_in(laptop)
    assert not signed_in(phone)


def test_one_session_is_ended_by_its_row_and_nobody_ends_someone_elses(coordinator, registrar):
    laptop = browser(coordinator, agent=FIREFOX, ip="192.0.2.10")
    phone = browser(coordinator, agent=IPHONE, ip="198.51.100.20")
    other = browser(registrar, agent=FIREFOX, ip="192.0.2.30")
    phone_row = UserSession.objects.get(user=coordinator, user_agent=IPHONE)
    other_row = UserSession.objects.get(user=registrar)

    assert laptop.post(f"{ACCOUNT}sessions/end/", {"session": other_row.pk}).status_code == 404
    assert laptop.post(f"{ACCOUNT}sessions/end/", {"session": "x"}).status_code == 404
    assert signed_in(other)
    laptop.post(f"{ACCOUNT}sessions/end/", {"session": phone_row.pk})

    assert not signed_in(phone)
    assert signed_in(laptop)


def test_an_api_call_with_a_token_records_no_session(coordinator):
    from rest_framework.test import APIClient

    from accounts.services import api_token_create

    _token, key = api_token_create(user=coordinator, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get("/api/v1/cases/").status_code == 200
    assert not UserSession.objects.exists()


def test_rows_of_sessions_idle_past_the_timeout_are_deleted_with_their_address(
    coordinator, registrar, settings
):
    settings.STAFF_SESSION_IDLE_MINUTES = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        browser(registrar, agent=FIREFOX, ip="192.0.2.77")
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        browser(coordinator, agent=FIREFOX, ip="192.0.2.10")

    assert not UserSession.objects.filter(ip_address="192.0.2.77").exists()
    assert UserSession.objects.filter(user=coordinator).count() == 1
