"""The inbox and the assign form stay usable with a national directory and many cases."""

from __future__ import annotations

from cases import selectors
from directory import selectors as directory_selectors
from tests.factories import make_case


def test_inbox_counts_only_up_to_the_cap_and_says_so(client, directory, coordinator, monkeypatch):
    monkeypatch.setattr(selectors.CappedPaginator, "cap", 3)
    for _ in range(5):
        make_case()
    client.force_login(coordinator)
    monkeypatch.setattr("django.conf.settings.INBOX_PAGE_SIZE", 2)

    page = client.get("/staff/").content.decode()

    assert "Sida 1 av fler än 2" in page


def test_a_directory_too_large_for_a_list_gets_a_name_or_email_field(
    client, directory, coordinator, monkeypatch
):
    monkeypatch.setattr(directory_selectors, "CONTACT_CHOICE_LIMIT", 5)
    case = make_case()
    client.force_login(coordinator)

    inbox = client.get("/staff/").content.decode()
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()

    assert 'type="search" name="contact"' in inbox
    assert "<datalist" not in inbox  # typed text is resolved on the server instead
    assert 'name="assign_contact-contact"' in case_page
    assert '<option value="anna.lindqvist@hb.example"' not in case_page.split("suggest")[0]
    response = client.post(
        f"/staff/cases/{case.reference}/transitions/assign_contact/",
        {"assign_contact-contact": "anna.lindqvist@hb.example", "assign_contact-version": "1"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.contact.email == "anna.lindqvist@hb.example"
