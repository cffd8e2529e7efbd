"""The conversation on the case page and the tracking page, and who may download files."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Case
from conversation.models import Attachment, Channel, Message, ReplyTemplate
from conversation.services import requester_message_add, staff_message_send
from notifications.models import OutboxMessage
from tests.conversation.files import elf_bytes, pdf_bytes, png_bytes, upload
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(coordinator, contact_a, contact_user_a):
    return make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)


def test_contact_person_sends_a_message_with_a_file_from_the_case_page(
    client, case, contact_user_a
):
    client.force_login(contact_user_a)
    page = client.get(reverse("staff-case", args=[case.reference]))
    assert "Syns för beställaren" in page.content.decode()
    response = client.post(
        reverse("staff-case-message", args=[case.reference]),
        {
            "message-body": "Hej Eva, här är agendan.",
            "message-files": [upload("agenda.pdf", pdf_bytes())],
        },
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.body == "Hej Eva, här är agendan."
    assert OutboxMessage.objects.filter(kind="message", recipient=case.requester_email).exists()
    page = client.get(reverse("staff-case", args=[case.reference])).content.decode()
    assert "Hej Eva, här är agendan." in page and "agenda.pdf" in page


def test_a_rejected_file_shows_a_translated_error_and_keeps_the_typed_text(
    client, case, contact_user_a
):
    client.force_login(contact_user_a)
    response = client.post(
        reverse("staff-case-message", args=[case.reference]),
        {
            "message-body": "Min långa text som inte får försvinna",
            "message-files": [upload("x.pdf", elf_bytes())],
        },
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "inte en filtyp vi tar emot" in html
    assert "Min långa text som inte får försvinna" in html
    assert not Message.objects.exists()


def test_another_contact_person_cannot_write_or_download(
    client, case, contact_user_a, contact_user_b
):
    message = staff_message_send(
        case=case, user=contact_user_a, body="Hej", files=[upload("a.pdf", pdf_bytes())]
    )
    attachment = message.attachments.get()
    client.force_login(contact_user_b)
    response = client.post(
        reverse("staff-case-message", args=[case.reference]), {"message-body": "Intrång"}
    )
    assert response.status_code == 404
    url = reverse("staff-attachment", args=[case.reference, attachment.pk])
    assert client.get(url).status_code == 404
    assert Message.objects.count() == 1


def test_staff_download_is_an_attachment_with_nosniff(client, case, contact_user_a):
    message = staff_message_send(
        case=case, user=contact_user_a, body="Hej", files=[upload("bild.png", png_bytes())]
    )
    attachment = message.attachments.get()
    client.force_login(contact_user_a)
    response = client.get(reverse("staff-attachment", args=[case.reference, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bild.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_requester_reads_and_answers_on_the_tracking_page_with_a_file(client, case, contact_user_a):
    staff_message_send(case=case, user=contact_user_a, body="Kan ni skicka kartan?")
    page = client.get(reverse("track", args=[case.token])).content.decode()
    assert "Kan ni skicka kartan?" in page
    response = client.post(
        reverse("track-message", args=[case.token]),
        {"reply-body": "Här är kartan.", "reply-files": [upload("karta.png", png_bytes())]},
    )
    assert response.status_code == 302
    reply = Message.objects.get(body="Här är kartan.")
    assert reply.channel == Channel.WEB and reply.from_requester
    assert Case.objects.get(pk=case.pk).new_reply_at is not None
    attachment = reply.attachments.get()
    download = client.get(reverse("track-attachment", args=[case.token, attachment.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    wrong = client.get(reverse("track-attachment", args=["x" * 43, attachment.pk]))
    assert wrong.status_code == 404


def test_a_file_of_another_case_is_not_served_with_this_cases_token(
    client, case, coordinator, directory
):
    other = make_case(requester_email="other@mark.example")
    requester_message_add(
        case=other, body="Hemligt", files=[upload("hemlig.pdf", pdf_bytes())], channel="web"
    )
    attachment = Attachment.objects.get()
    response = client.get(reverse("track-attachment", args=[case.token, attachment.pk]))
    assert response.status_code == 404


def test_tracking_page_reply_with_a_30_mb_file_keeps_the_text(client, case, settings):
    settings.ATTACHMENT_MAX_FILE_BYTES = 1000
    response = client.post(
        reverse("track-message", args=[case.token]),
        {"reply-body": "Viktig information", "reply-files": [upload("stor.pdf", pdf_bytes() * 20)]},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "stor.pdf" in html and "för stor" in html and "Viktig information" in html


def test_an_ended_case_offers_no_reply_form(client, coordinator, directory):
    case = make_case(steps=("decline",), actor=coordinator)
    page = client.get(reverse("track", args=[case.token])).content.decode()
    assert 'action="/track/' not in page.split('id="conversation"')[1].split("</section>")[0]


def test_opening_the_case_page_clears_new_reply_for_the_contact_but_not_the_registrar(
    client, case, contact_user_a, registrar
):
    requester_message_add(case=case, body="Hej", channel=Channel.WEB)
    client.force_login(registrar)
    client.get(reverse("staff-case", args=[case.reference]))
    assert Case.objects.get(pk=case.pk).new_reply_at is not None
    client.force_login(contact_user_a)
    client.get(reverse("staff-case", args=[case.reference]))
    assert Case.objects.get(pk=case.pk).new_reply_at is None


def test_a_reply_template_fills_the_message_without_javascript(client, case, contact_user_a):
    template = ReplyTemplate.objects.create(
        name="Tack", body="Hej {name}! Tack för förfrågan {reference}."
    )
    client.force_login(contact_user_a)
    page = client.get(
        reverse("staff-case", args=[case.reference]) + f"?template={template.pk}"
    ).content.decode()
    with translation.override("sv"):
        assert f"Hej Eva Ek! Tack för förfrågan {case.reference}." in page


def test_a_reply_puts_the_case_in_the_new_reply_view_with_a_marker_until_opened(
    client, case, contact_user_a, coordinator, directory
):
    other = make_case()
    requester_message_add(case=case, body="Svar", channel=Channel.WEB)
    client.force_login(contact_user_a)
    inbox = client.get("/staff/", {"view": "replies"}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert case.reference in inbox and other.reference not in inbox
    assert 'data-testid="new-reply"' in inbox and "Nytt svar" in inbox
    client.get(reverse("staff-case", args=[case.reference]))
    inbox = client.get("/staff/", {"view": "replies"}).content.decode()
    assert case.reference not in inbox


def test_the_new_reply_view_costs_no_more_queries_than_the_other_views(
    client, coordinator, directory, django_assert_max_num_queries
):
    for _ in range(3):
        requester_message_add(case=make_case(), body="Svar", channel=Channel.WEB)
    client.force_login(coordinator)
    client.get("/staff/", {"view": "open"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as open_view:
        client.get("/staff/", {"view": "open"})
    with django_assert_max_num_queries(len(open_view.captured_queries)):
        response = client.get("/staff/", {"view": "replies"})
    assert response.content.decode().count('data-testid="new-reply"') == 3


def test_messages_show_escaped_paragraphs_and_why_a_reply_is_flagged_to_staff_only(
    client, case, contact_user_a
):
    requester_message_add(case=case, body="Hej <b>&</b>\n\nrad ett\r\nrad två", channel=Channel.WEB)
    Message.objects.update(
        flagged=True, flag_reasons=["sender"], sender_email="annan@x.example", channel="email"
    )
    client.force_login(contact_user_a)
    staff = client.get(reverse("staff-case", args=[case.reference])).content.decode()
    track = client.get(reverse("track", args=[case.token])).content.decode()
    body = "<p>Hej &lt;b&gt;&amp;&lt;/b&gt;</p>\n\n<p>rad ett<br>rad två</p>"
    assert body in staff and body in track
    assert "skickat från en annan adress: annan@x.example" in staff
    assert "via e-post" in staff and "via e-post" in track
    assert "annan@x.example" not in track
    assert "<strong>Du</strong>" in track and "<strong>Eva Ek</strong>" in staff
