"""Attachment checks: size limits and types recognised from the content, never the name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import translation

from conversation.attachments import attachment_validate, attachments_validate
from tests.conversation.files import (
    docx_bytes,
    elf_bytes,
    pdf_bytes,
    pe_bytes,
    png_bytes,
    upload,
)


def test_a_real_pdf_png_docx_and_text_are_accepted_with_their_detected_types():
    assert attachment_validate(upload("protokoll.pdf", pdf_bytes())) == "application/pdf"
    assert attachment_validate(upload("karta.png", png_bytes())) == "image/png"
    assert attachment_validate(upload("plan.docx", docx_bytes())) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    text = "Hej! Här är våra siffror för matsvinnet.\n".encode()
    assert attachment_validate(upload("anteckning.txt", text)) == "text/plain"


@pytest.mark.parametrize("content", [elf_bytes(), pe_bytes()], ids=["elf", "pe"])
def test_an_executable_named_pdf_is_refused_whatever_its_name_and_claimed_type(content):
    with translation.override("sv"), pytest.raises(ValidationError) as error:
        attachment_validate(upload("x.pdf", content, content_type="application/pdf"))
    assert "x.pdf" in error.value.messages[0]
    assert "inte en filtyp vi tar emot" in error.value.messages[0]


def test_a_macro_enabled_document_dressed_as_docx_is_refused():
    with pytest.raises(ValidationError):
        attachment_validate(upload("plan.docx", docx_bytes(macros=True)))


def test_a_pdf_named_exe_is_accepted_as_the_pdf_it_is():
    assert attachment_validate(upload("konstigt.exe", pdf_bytes())) == "application/pdf"


def test_a_30_mb_file_gets_a_clear_error_with_its_name_and_the_limit():
    big = TemporaryUploadedFile("stor.pdf", "application/pdf", 30 * 1024 * 1024, None)
    big.write(pdf_bytes())
    big.seek(30 * 1024 * 1024 - 1)
    big.write(b"\n")
    big.seek(0)
    with translation.override("sv"), pytest.raises(ValidationError) as error:
        attachment_validate(big)
    message = error.value.messages[0]
    assert "stor.pdf" in message and "för stor" in message and "10,0" in message
    big.close()


def test_files_under_the_limit_each_but_over_it_together_are_refused(settings):
    settings.ATTACHMENT_MAX_FILE_BYTES = 4000
    settings.ATTACHMENT_MAX_MESSAGE_BYTES = 5000
    text = b"rad med text\n" * 250  # 3,250 bytes
    with translation.override("en"), pytest.raises(ValidationError) as error:
        attachments_validate([upload("a.txt", text), upload("b.txt", text)])
    assert "too large together" in " ".join(error.value.messages)
    assert attachments_validate([upload("a.txt", text)]) == ["text/plain"]


def test_an_empty_file_and_an_html_page_are_refused():
    with pytest.raises(ValidationError):
        attachment_validate(upload("tom.pdf", b""))
    with pytest.raises(ValidationError):
        attachment_validate(upload("sida.txt", b"<!DOCTYPE html><html><script>x()</script></html>"))
