"""The conversation in a real browser: staff writes, the requester answers with a file on the
tracking page, and the contact person finds the case marked "Nytt svar". axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conversation.models import Message
from tests.conversation.files import png_bytes
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import axe_violations
from tests.factories import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_message_requester_answers_with_a_file_contact_sees_new_reply(
    live_server, new_page, directory, coordinator, contact_a, contact_user_a, tmp_path
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    staff = new_page()
    login(staff, live_server.url, contact_user_a.email)
    staff.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    writer = staff.locator("#message")
    expect(writer).to_contain_text("Syns för beställaren")
    assert axe_violations(staff) == []
    writer.get_by_label("Meddelande till beställaren").fill("Hej Eva! Kan ni skicka en karta?")
    writer.get_by_role("button", name="Skicka till beställaren").click()
    expect(staff.get_by_role("status")).to_contain_text("Meddelandet har skickats")
    expect(staff.get_by_test_id("conversation")).to_contain_text("Kan ni skicka en karta?")

    requester = new_page()
    requester.goto(f"{live_server.url}/track/{case.token}/")
    conversation = requester.locator("#conversation")
    expect(conversation).to_contain_text("Hej Eva! Kan ni skicka en karta?")
    assert axe_violations(requester) == []
    karta = tmp_path / "karta.png"
    karta.write_bytes(png_bytes())
    conversation.get_by_label("Ditt meddelande").fill("Här kommer kartan.")
    conversation.get_by_label("Filer (frivilligt)").set_input_files(str(karta))
    conversation.get_by_role("button", name="Skicka", exact=True).click()
    expect(requester.get_by_role("status")).to_contain_text("Ditt meddelande har skickats")
    expect(conversation.get_by_role("link", name="karta.png")).to_be_visible()
    with requester.expect_download() as download:
        conversation.get_by_role("link", name="karta.png").click()
    assert download.value.suggested_filename == "karta.png"
    assert Message.objects.get(body="Här kommer kartan.").attachments.count() == 1

    staff.goto(f"{live_server.url}/staff/?view=replies")
    row = staff.locator("tr", has_text=case.reference)
    expect(row.get_by_test_id("new-reply")).to_have_text("Nytt svar")
    assert axe_violations(staff) == []
    row.get_by_role("link", name=case.reference).click()
    expect(staff.get_by_test_id("conversation")).to_contain_text("Här kommer kartan.")
    staff.goto(f"{live_server.url}/staff/?view=replies")
    expect(staff.locator("tr", has_text=case.reference)).to_have_count(0)
