"""Reading an email: the new text only, the files, and what kind of email it is."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from inbound.parsing import AUTO_REPLY, BOUNCE, REPLY, mail_parse, reply_text
from tests.inbound.conftest import PDF, client_reply


def test_a_mail_client_reply_keeps_only_the_new_text_and_its_attachment():
    raw = client_reply(
        to="Samverka <svar+abcdefghijklmnopqrstuvwx@hb.example>",
        files=(("agenda.pdf", "application/pdf", PDF),),
    )
    parsed = mail_parse(raw)
    assert parsed.kind == REPLY
    assert parsed.body == "Tack! Vi kan träffas tisdag 10 december kl. 14.\nJag bifogar vår agenda."
    assert parsed.tokens == ["abcdefghijklmnopqrstuvwx"]
    assert [(f.name, f.content_type, f.data) for f in parsed.files] == [
        ("agenda.pdf", "application/pdf", PDF)
    ]
    assert parsed.sender == "eva.ek@boras.example"
    assert parsed.subject == "Re: Vi har tagit emot din förfrågan"


def test_a_den_skrev_header_wrapped_over_two_lines_still_ends_the_reply():
    text = (
        "Ja, det passar bra.\n\nDen fre 5 dec. 2026 kl. 10:12 skrev Samverka\n"
        "<samverka@hb.example>:\n> Hej Eva,\n> Vi har tagit emot din förfrågan.\n"
    )
    assert reply_text(text) == "Ja, det passar bra."


def test_a_list_in_the_reply_is_text_not_a_signature():
    text = (
        "Vi vill gärna ha:\n- en workshop\n- en föreläsning\n\n"
        "On Fri, 5 Dec 2026 at 10:12, Samverka <samverka@hb.example> wrote:\n> Hej\n"
    )
    assert reply_text(text) == "Vi vill gärna ha:\n- en workshop\n- en föreläsning"


def test_an_html_only_reply_loses_its_quoted_block():
    message = EmailMessage()
    message["From"] = "eva.ek@boras.example"
    message["To"] = "svar+abcdefghijklmnopqrstuvwx@hb.example"
    message["Subject"] = "Re: Ärende"
    message.set_content(
        "<div>Hej!<br>Vi ses på <b>tisdag</b>.</div>"
        '<div class="gmail_quote">Den 5 dec. 2026 skrev Samverka:'
        "<blockquote>Hej Eva, vi har tagit emot…</blockquote></div>",
        subtype="html",
    )
    assert mail_parse(message.as_bytes()).body == "Hej!\nVi ses på tisdag."


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto-Submitted": "auto-replied"}, AUTO_REPLY),
        ({"Auto-Submitted": "no"}, REPLY),
        ({"Precedence": "bulk"}, AUTO_REPLY),
        ({"Precedence": "junk"}, AUTO_REPLY),
        ({"Precedence": "list"}, AUTO_REPLY),
        ({"X-Autoreply": "yes"}, AUTO_REPLY),
        ({"From": "MAILER-DAEMON@mx.boras.example"}, BOUNCE),
        ({"From": "postmaster@boras.example"}, BOUNCE),
    ],
)
def test_automatic_mail_is_told_apart_from_replies(headers, kind):
    message = EmailMessage()
    message["From"] = headers.pop("From", "eva.ek@boras.example")
    message["To"] = "svar+abcdefghijklmnopqrstuvwx@hb.example"
    message["Subject"] = "Frånvaro"
    for name, value in headers.items():
        message[name] = value
    message.set_content("Jag är på semester till den 6 januari.")
    assert mail_parse(message.as_bytes()).kind == kind


def test_a_delivery_status_report_is_a_bounce():
    assert mail_parse(bounce("svar+abcdefghijklmnopqrstuvwx@hb.example")).kind == BOUNCE


def bounce(to: str) -> bytes:
    """A delivery status notification as Postfix sends it (RFC 3464)."""
    boundary = "BOUNDARY-1"
    return (
        "From: Mail Delivery System <delivery@mx.boras.example>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.boras.example>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.boras.example\r\n\r\n"
        "Final-Recipient: rfc822; nobody@boras.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()


def test_an_outlook_reply_with_a_swedish_header_block_keeps_only_the_new_text():
    text = (
        "Hej,\n\nVi kan ses på torsdag.\n\nMed vänliga hälsningar\nEva Ek\nBorås Stad\n\n"
        "________________________________\n"
        "Från: Samverka <samverka@hb.example>\n"
        "Skickat: den 5 december 2026 10:12\n"
        "Till: Eva Ek <eva.ek@boras.example>\n"
        "Ämne: Vi har tagit emot din förfrågan\n\n"
        "Hej Eva,\nVi har tagit emot din förfrågan.\n"
    )
    assert reply_text(text) == "Hej,\n\nVi kan ses på torsdag."


def test_a_phone_reply_loses_its_sent_from_line_and_the_quote():
    text = (
        "Det passar bra!\n\nSkickat från min iPhone\n\n"
        "> 5 dec. 2026 kl. 10:12 skrev Samverka <samverka@hb.example>:\n>\n> Hej Eva\n"
    )
    assert reply_text(text) == "Det passar bra!"
