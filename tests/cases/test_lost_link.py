"""'Har du tappat länken?': new tracking links by email, the same answer for every address."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from cases.models import Case
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.cases.test_request_form import valid_post
from tests.factories import make_case

URL = "/requests/lost-link/"
ANSWER = "Om det finns pågående förfrågningar från adressen skickar vi länkarna dit."


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


def ask(client, email: str, ip: str = "192.0.2.1"):
    response = client.post(URL, {"email": email}, REMOTE_ADDR=ip)
    assert response.status_code == 200
    return response.content.decode()


def deliver_links(recipient: str) -> tuple[str, str, list[str]]:
    message = OutboxMessage.objects.get(kind="tracking_links", recipient=recipient)
    assert message_deliver(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.body_text, message.body_html) == ("", ""), "the links are erased once sent"
    email = mail.outbox[-1]
    return email.subject, email.body, re.findall(r"http://testserver/track/([^/\s]+)/", email.body)


def test_requester_with_two_open_cases_and_a_closed_one_gets_one_email_with_two_working_links(
    client, coordinator, directory
):
    first = make_case(title="Matsvinn i skolorna", requester_email="eva.ek@boras.example")
    second = make_case(title="Textilåtervinning", requester_email="Eva.Ek@boras.example")
    closed = make_case(
        steps=("decline",), actor=coordinator, requester_email="eva.ek@boras.example"
    )
    other = make_case(requester_email="annan@boras.example")

    page = ask(client, "EVA.EK@boras.example")

    assert ANSWER in page
    assert OutboxMessage.objects.filter(kind="tracking_links").count() == 1
    subject, text, tokens = deliver_links("eva.ek@boras.example")
    assert subject == "Nya länkar till dina förfrågningar"
    assert f"{first.reference} Matsvinn i skolorna" in text
    assert f"{second.reference} Textilåtervinning" in text
    assert closed.reference not in text
    assert "de gamla länkarna fungerar inte längre" in text
    assert len(tokens) == 2
    for token, case in zip(tokens, (first, second), strict=True):
        page = client.get(f"/track/{token}/")
        assert page.status_code == 200
        assert case.reference in page.content.decode()
    # The old links of the open cases stop working; the closed case and other people keep theirs.
    assert client.get(f"/track/{first.token}/").status_code == 404
    assert client.get(f"/track/{second.token}/").status_code == 404
    assert client.get(f"/track/{closed.token}/").status_code == 200
    assert client.get(f"/track/{other.token}/").status_code == 200


def test_unknown_address_gets_the_same_page_and_no_email(client, directory):
    make_case(requester_email="eva.ek@boras.example")

    known = ask(client, "eva.ek@boras.example", ip="192.0.2.1")
    unknown = ask(client, "ingen@boras.example", ip="192.0.2.2")

    assert ANSWER in unknown
    assert _without_csrf(unknown) == _without_csrf(known)
    assert not OutboxMessage.objects.filter(recipient="ingen@boras.example").exists()


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_an_address_with_only_closed_cases_gets_no_email(client, coordinator, directory):
    make_case(steps=("decline",), actor=coordinator, requester_email="eva.ek@boras.example")

    assert ANSWER in ask(client, "eva.ek@boras.example")
    assert not OutboxMessage.objects.filter(kind="tracking_links").exists()


def test_fourth_request_for_an_address_within_the_hour_answers_the_same_and_sends_nothing(
    client, directory
):
    case = make_case(requester_email="eva.ek@boras.example")

    for n in range(3):
        ask(client, "eva.ek@boras.example", ip=f"192.0.2.{n + 1}")
    assert OutboxMessage.objects.filter(kind="tracking_links").count() == 3
    hash_before = Case.objects.get(pk=case.pk).tracking_token_hash

    page = ask(client, "Eva.Ek@boras.example", ip="192.0.2.9")

    assert ANSWER in page
    assert OutboxMessage.objects.filter(kind="tracking_links").count() == 3
    assert Case.objects.get(pk=case.pk).tracking_token_hash == hash_before, "link unchanged"


def test_one_client_asking_for_many_addresses_is_limited_too(client, directory):
    for n in range(11):
        make_case(requester_email=f"person{n}@boras.example")

    for n in range(11):
        assert ANSWER in ask(client, f"person{n}@boras.example", ip="198.51.100.7")

    sent_to = set(
        OutboxMessage.objects.filter(kind="tracking_links").values_list("recipient", flat=True)
    )
    assert len(sent_to) == 10
    assert "person10@boras.example" not in sent_to


def test_an_invalid_address_is_shown_back_with_the_error(client, directory):
    response = client.post(URL, {"email": "inte-en-adress"})

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in content
    assert ANSWER not in content


@pytest.mark.parametrize(
    "page",
    ["/", "/requests/receipt/", "/track/" + "x" * 43 + "/"],
    ids=["start", "receipt", "refused"],
)
def test_the_lost_link_page_is_linked_from_start_receipt_and_refused_tracking_pages(
    client, directory, page
):
    if page == "/requests/receipt/":
        client.post("/requests/new/", valid_post())
    response = client.get(page)

    assert f'href="{URL}"' in response.content.decode()
    assert "Har du tappat länken?" in client.get(URL).content.decode()


def test_a_refused_tracking_link_is_a_404_that_offers_new_links(client, directory):
    response = client.get("/track/" + "x" * 43 + "/")

    assert response.status_code == 404
    assert "Få nya länkar via e-post" in response.content.decode()
