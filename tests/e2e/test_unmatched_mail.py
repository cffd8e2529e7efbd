"""The unmatched email queue in a real browser: axe-clean (desktop, phone), a wrong reference
shows its error beside the field, the right one attaches the email to the case. The email
failed sender verification (DMARC): both pages say so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inbound.models import InboundMail, Outcome
from inbound.services import mail_take
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import axe_violations, reflow_problems
from tests.factories import make_case
from tests.inbound.conftest import PDF, client_reply


@pytest.fixture
def unmatched(transactional_db, directory, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.INBOUND_AUTHSERV_ID = "mx.hb.example"
    raw = (
        b"Authentication-Results: mx.hb.example; spf=fail smtp.mailfrom=boras.example;"
        b" dmarc=fail header.from=boras.example\r\n"
        b"Received: from mail.example by mx.hb.example with ESMTPS id 1\r\n"
    ) + client_reply(
        to="svar+zzzzzzzzzzzzzzzzzzzzzzzz@hb.example",
        text="Hej, här kommer protokollet från mötet.",
        files=(("protokoll.pdf", "application/pdf", PDF),),
    )
    assert mail_take(raw=raw, mailbox="e2e", uidvalidity=1, uid=1) == Outcome.UNMATCHED
    return InboundMail.objects.get()


@pytest.mark.parametrize("width", [1280, 320])
def test_a_coordinator_attaches_an_unmatched_email_to_its_case(
    live_server, new_page, unmatched, coordinator, width
):
    case = make_case()
    page = new_page(width=width, height=800)
    login(page, live_server.url, coordinator.email)
    page.get_by_role("link", name="Okopplad post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Okopplad post")
    expect(page.get_by_text("Hej, här kommer protokollet från mötet.")).to_be_visible()
    expect(page.get_by_test_id("unauthenticated")).to_have_text(
        "avsändaren inte verifierad: SPF/DKIM/DMARC misslyckades"
    )
    problems = axe_violations(page) + (reflow_problems(page) if width == 320 else [])
    assert not problems, "\n".join(problems)

    field = page.get_by_label("Diarienummer")
    field.fill("AK-1999-0001")
    field.press("Enter")
    expect(page.locator("#error-summary")).to_contain_text("Inget ärende har det diarienumret.")
    expect(page.get_by_label("Diarienummer")).to_have_value("AK-1999-0001")
    problems = axe_violations(page)
    assert not problems, "\n".join(problems)

    page.get_by_label("Diarienummer").fill(case.reference)
    page.get_by_role("button", name="Koppla till ärende").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Mejlet lades till i ärende {case.reference}."
    )
    expect(page.get_by_text("Inga okopplade mejl.")).to_be_visible()
    unmatched.refresh_from_db()
    assert unmatched.outcome == Outcome.ATTACHED and unmatched.case == case
    assert case.messages.get().attachments.get().filename == "protokoll.pdf"
    # On the case page the message carries the mark.
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    expect(page.get_by_test_id("unauthenticated")).to_be_visible()
    problems = axe_violations(page)
    assert not problems, "\n".join(problems)
