"""A liaison signs in by a one-time link: the same answer for any address, a link that only a
click on its page spends, once and for a short while, limited per address and per client, and
a session that is not staff."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from audit.models import Action, AuditEntry
from liaisons.models import LoginToken
from liaisons.services import login_link_request, login_token_redeem
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.factories import make_user
from tests.liaisons.conftest import link_in, make_liaison, signed_in

pytestmark = pytest.mark.django_db

LOGIN = "/kommun/logga-in/"
ANSWER = "Om adressen tillhör en samverkansansvarig har vi skickat en inloggningslänk dit."


def ask(client, email: str, ip: str = "192.0.2.1") -> str:
    response = client.post(LOGIN, {"email": email}, REMOTE_ADDR=ip)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def links() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="liaison_login").order_by("pk"))


def confirm_url(token: str) -> str:
    return f"/kommun/logga-in/{token}/"


def test_a_liaison_and_a_stranger_get_the_same_answer_and_only_the_liaison_a_link(client, liaison):
    known = ask(client, "lena.berg@boras.example")
    unknown = ask(client, "nobody@boras.example")
    assert ANSWER in known
    assert known == unknown
    [message] = links()
    assert message.recipient == "lena.berg@boras.example"
    assert message.sensitive, "the link is erased from the outbox once delivered"


def test_the_address_is_found_however_it_is_typed(client, liaison):
    ask(client, "  Lena.Berg@Boras.EXAMPLE ")
    assert [m.recipient for m in links()] == ["lena.berg@boras.example"]


def test_an_inactive_liaison_gets_no_link_and_the_same_answer(client, liaison):
    liaison.active = False
    liaison.save()
    assert ANSWER in ask(client, "lena.berg@boras.example")
    assert links() == []


def test_a_bad_address_is_shown_back_with_a_swedish_error(client, liaison):
    response = client.post(LOGIN, {"email": "lena.berg@"})
    page = response.content.decode()
    assert "Ange en giltig mejladress." in page
    assert 'value="lena.berg@"' in page
    assert links() == []


def test_the_email_is_swedish_carries_the_link_and_loses_it_once_sent(client, liaison):
    ask(client, "lena.berg@boras.example")
    [message] = links()
    token = link_in(message)
    assert message_deliver(message_id=message.pk) == "sent"
    [email] = mail.outbox
    assert email.subject == "Din inloggningslänk till Samverka"
    assert f"http://testserver/kommun/logga-in/{token}/" in email.body
    assert "Länken fungerar en gång, i 15 minuter." in email.body
    message.refresh_from_db()
    assert token not in message.body_text + message.body_html + str(message.context)


def test_only_the_hash_of_the_token_is_stored(liaison):
    row = login_link_request(email=liaison.email)
    token = link_in(OutboxMessage.objects.get(kind="liaison_login"))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not LoginToken.objects.filter(token_hash=token).exists()


def test_opening_the_link_shows_a_button_and_signs_nobody_in(client, liaison):
    login_link_request(email=liaison.email)
    token = link_in(OutboxMessage.objects.get(kind="liaison_login"))
    page = client.get(confirm_url(token))  # what a mail scanner or a link preview does
    assert page.status_code == 200
    html = page.content.decode()
    assert "Logga in som Lena Berg, samverkansansvarig för Borås." in html
    assert '<button type="submit">Logga in</button>' in html
    assert client.get("/kommun/").status_code == 302, "not signed in by a GET"
    assert LoginToken.objects.get().used_at is None, "a GET does not spend the link"


def test_the_click_signs_in_and_the_link_works_once(client, liaison):
    login_link_request(email=liaison.email)
    token = link_in(OutboxMessage.objects.get(kind="liaison_login"))
    response = client.post(confirm_url(token))
    assert response.status_code == 302 and response["Location"] == "/kommun/"
    assert client.get("/kommun/").status_code == 200

    again = Client()
    for response in (again.get(confirm_url(token)), again.post(confirm_url(token))):
        assert response.status_code == 404
        assert "Länken fungerar inte längre" in response.content.decode()
    assert again.get("/kommun/").status_code == 302
    liaison.refresh_from_db()
    assert liaison.last_login_at is not None


def test_a_link_expires_after_fifteen_minutes(client, liaison):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_link_request(email=liaison.email)
    token = link_in(OutboxMessage.objects.get(kind="liaison_login"))
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert client.get(confirm_url(token)).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert client.get(confirm_url(token)).status_code == 404
        assert client.post(confirm_url(token)).status_code == 404
        assert client.get("/kommun/").status_code == 302


def test_a_made_up_token_is_refused(client, liaison):
    assert client.post(confirm_url("x" * 43)).status_code == 404
    entry = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    assert entry.object_type == "liaison" and "x" * 43 not in str(entry.details)


def test_signing_in_spends_the_other_links_of_the_liaison(client, liaison):
    login_link_request(email=liaison.email)
    login_link_request(email=liaison.email)
    first, second = (link_in(m) for m in links())
    assert client.post(confirm_url(second)).status_code == 302
    assert Client().post(confirm_url(first)).status_code == 404


def test_three_links_per_address_an_hour_then_the_same_answer_and_no_email(client, liaison):
    for n in range(4):
        assert ANSWER in ask(client, "lena.berg@boras.example", ip=f"192.0.2.{n + 1}")
    assert len(links()) == 3


def test_ten_tries_per_client_an_hour_then_no_email_even_for_a_liaison(client, liaison):
    for n in range(10):
        ask(client, f"someone{n}@boras.example")
    assert ANSWER in ask(client, "lena.berg@boras.example")
    assert links() == []
    assert ANSWER in ask(client, "lena.berg@boras.example", ip="192.0.2.77")
    assert len(links()) == 1, "another client is not held back"


def test_signing_in_is_audited_with_the_liaison_and_the_municipality(client, liaison):
    login_link_request(email=liaison.email)
    client.post(confirm_url(link_in(links()[0])), REMOTE_ADDR="192.0.2.9")
    entry = AuditEntry.objects.get(action=Action.LOGIN)
    assert entry.actor is None
    assert entry.actor_label == "liaison:lena.berg@boras.example"
    assert entry.details == {"municipality": "1490"}
    assert entry.client_address == "192.0.2.9"


def test_signing_out_ends_the_session_and_is_audited(liaison_client, liaison):
    assert liaison_client.get("/kommun/").status_code == 200
    response = liaison_client.post("/kommun/logga-ut/", follow=True)
    assert "Du är utloggad." in response.content.decode()
    assert liaison_client.get("/kommun/").status_code == 302
    assert AuditEntry.objects.filter(
        action=Action.LOGOUT, actor_label="liaison:lena.berg@boras.example"
    ).exists()


def test_a_session_idle_for_two_hours_ends(liaison):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in(Client(), liaison)
        assert client.get("/kommun/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=119), tick=False):
        assert client.get("/kommun/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=119 + 121), tick=False):
        assert client.get("/kommun/").status_code == 302


def test_a_liaison_made_inactive_is_signed_out_at_the_next_request(liaison_client, liaison):
    assert liaison_client.get("/kommun/").status_code == 200
    liaison.active = False
    liaison.save()
    assert liaison_client.get("/kommun/").status_code == 302


def test_a_liaison_reaches_no_staff_page_admin_or_api(liaison_client):
    for path in ("/staff/", "/staff/account/", "/staff/privacy/", "/staff/audit/", "/admin/"):
        response = liaison_client.get(path)
        assert response.status_code == 302, path
        assert "/login/" in response["Location"], path
    for path in ("/api/v1/cases/", "/api/schema/"):
        assert liaison_client.get(path).status_code == 401, path


def test_signing_in_as_a_liaison_ends_a_staff_sign_in_in_the_same_browser(client, liaison):
    client.force_login(make_user("coordinator"))
    assert client.get("/staff/").status_code == 200
    assert client.get("/kommun/").status_code == 302, "a staff user is not a liaison"
    login_link_request(email=liaison.email)
    client.post(confirm_url(link_in(links()[0])))
    assert client.get("/kommun/").status_code == 200
    assert client.get("/staff/").status_code == 302


def test_a_liaison_asking_for_the_sign_in_page_goes_to_the_overview(liaison_client):
    response = liaison_client.get(LOGIN)
    assert response.status_code == 302 and response["Location"] == "/kommun/"


def test_liaison_pages_are_never_stored_by_the_browser(liaison_client):
    assert "no-store" in liaison_client.get("/kommun/")["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_sign_in_once(directory):
    liaison = make_liaison()
    login_link_request(email=liaison.email)
    token = link_in(OutboxMessage.objects.get(kind="liaison_login"))
    barrier = threading.Barrier(2, timeout=30)
    results = []

    def click():
        try:
            barrier.wait()
            results.append(login_token_redeem(token=token))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r is not None for r in results) == [False, True]
    assert AuditEntry.objects.filter(action=Action.LOGIN).count() == 1
