"""Files on the public request form: kept with the case, checked by content, fast without."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from conversation.models import Attachment
from tests.cases.test_request_form import URL, valid_post
from tests.conversation.files import elf_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def test_a_request_with_a_file_keeps_the_file_with_the_case(client, directory):
    response = client.post(URL, valid_post(files=[upload("underlag.pdf", pdf_bytes())]))
    assert response.status_code == 302
    case = Case.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.message.case == case and attachment.filename == "underlag.pdf"
    assert attachment.message.from_requester and attachment.message.body == ""


def test_an_executable_on_the_request_form_is_refused_and_nothing_typed_is_lost(client, directory):
    response = client.post(
        URL,
        valid_post(files=[upload("x.pdf", elf_bytes())], description="Vår långa beskrivning."),
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "inte en filtyp vi tar emot" in html and "Vår långa beskrivning." in html
    assert 'id="error-summary"' in html
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_a_request_without_files_costs_no_query_more_than_before(client, directory):
    client.post(URL, valid_post())  # caches warm
    with CaptureQueriesContext(connection) as ctx:
        client.post(URL, valid_post(title="Andra förfrågan"))
    assert not any("conversation_" in q["sql"] for q in ctx.captured_queries)
