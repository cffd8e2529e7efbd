"""The conversation API: staff and the requester, with files as multipart."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from conversation.models import Message
from tests.conversation.files import elf_bytes, pdf_bytes, png_bytes, upload
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(coordinator, contact_a, contact_user_a):
    return make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)


def _staff_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='t')[1]}")
    return client


def test_staff_post_a_message_with_a_file_and_the_requester_reads_it_and_downloads_it(
    case, contact_user_a
):
    staff = _staff_client(contact_user_a)
    url = reverse("api:case-messages", args=[case.reference])
    response = staff.post(
        url,
        {"body": "Här är protokollet.", "files": [upload("protokoll.pdf", pdf_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["direction"] == "to_requester" and created["channel"] == "api"
    (attachment,) = created["attachments"]
    assert attachment["filename"] == "protokoll.pdf"
    assert attachment["content_type"] == "application/pdf"
    download = staff.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Disposition"].startswith("attachment;")

    requester = APIClient()
    listed = requester.get(reverse("api:track-messages", args=[case.token])).json()
    assert [m["body"] for m in listed] == ["Här är protokollet."]
    file_url = listed[0]["attachments"][0]["url"]
    assert file_url.startswith(f"/track/{case.token}/files/")
    assert requester.get(file_url).status_code == 200


def test_requester_replies_with_a_file_through_the_api(case):
    client = APIClient()
    response = client.post(
        reverse("api:track-messages", args=[case.token]),
        {"body": "Kartan bifogad", "files": [upload("karta.png", png_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert message.from_requester and message.attachments.get().content_type == "image/png"


def test_an_executable_is_refused_with_a_field_error_in_the_api_shape(case):
    response = APIClient().post(
        reverse("api:track-messages", args=[case.token]),
        {"body": "Se bilaga", "files": [upload("x.pdf", elf_bytes())]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (
        "x.pdf" in error["fields"]["files"][0] and "not a file type" in error["fields"]["files"][0]
    )
    assert not Message.objects.exists()


def test_another_contact_person_gets_404_and_a_wrong_token_404(case, contact_user_b):
    other = _staff_client(contact_user_b)
    assert other.get(reverse("api:case-messages", args=[case.reference])).status_code == 404
    assert APIClient().get(reverse("api:track-messages", args=["x" * 43])).status_code == 404


def test_a_reply_to_an_ended_case_is_a_409(coordinator, directory):
    case = make_case(steps=("decline",), actor=coordinator)
    response = APIClient().post(
        reverse("api:track-messages", args=[case.token]), {"body": "Men varför?"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_ended"
