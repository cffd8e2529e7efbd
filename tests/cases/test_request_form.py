"""The public request form: good input becomes a case; bad input is shown back, never a 500."""

from __future__ import annotations

import re

import pytest

from cases.models import Case
from directory.models import Area
from directory.services import directory_entry_save
from notifications.models import OutboxMessage
from notifications.services import message_deliver

URL = "/requests/new/"
XSS = '<script>alert("x{}")</script>'


def valid_post(**overrides) -> dict:
    data = {
        "municipality": "1490",
        "requester_name": "Eva Ek",
        "requester_role": "Miljöstrateg",
        "requester_email": "eva.ek@boras.example",
        "requester_phone": "033-35 70 00",
        "title": "Minska matsvinnet i skolorna",
        "description": "Vi vill halvera matsvinnet i kommunens skolkök.",
        "areas": ["resursatervinning", "pedagogik"],
        "collaboration_forms": ["examensarbete"],
        "timeframe": "Våren 2027",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def tracking_token(receipt) -> str:
    """The token in the receipt page's private tracking link."""
    match = re.search(
        r'href="/track/([^/"]+)/" data-testid="tracking-link"', receipt.content.decode()
    )
    assert match, "the receipt page shows no tracking link"
    return match.group(1)


def assert_rejected(response, *field_names: str) -> str:
    assert response.status_code == 200
    content = response.content.decode()
    for name in field_names:
        assert f'id="id_{name}_error"' in content, f"no error shown next to {name}"
    assert 'id="error-summary"' in content
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    return content


def test_start_page_leads_to_the_request_form(client, directory):
    response = client.get("/")

    assert response.status_code == 200
    assert URL in response.content.decode()


def test_valid_request_creates_a_case_and_shows_the_receipt_with_reference(client, directory):
    response = client.post(URL, valid_post())

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == "received"
    assert case.requester_email == "eva.ek@boras.example"
    assert sorted(a.slug for a in case.areas.all()) == ["pedagogik", "resursatervinning"]
    assert [f.slug for f in case.forms.all()] == ["examensarbete"]
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    assert case.reference in receipt.content.decode()


def test_dont_know_area_is_accepted_instead_of_areas(client, directory):
    response = client.post(URL, valid_post(areas=None, area_unknown="on"))

    assert response.status_code == 302
    assert Case.objects.get().areas.count() == 0


@pytest.mark.parametrize(
    "missing",
    [
        "municipality",
        "requester_name",
        "requester_role",
        "requester_email",
        "title",
        "description",
        "areas",
        "consent",
    ],
)
def test_missing_required_field_is_shown_next_to_the_field(client, directory, missing):
    response = client.post(URL, valid_post(**{missing: None}))

    assert_rejected(response, missing)


def test_empty_form_shows_every_required_error_and_creates_nothing(client, directory):
    response = client.post(URL, {})

    assert_rejected(
        response,
        "municipality",
        "requester_name",
        "requester_role",
        "requester_email",
        "title",
        "description",
        "areas",
        "consent",
    )


def test_typed_values_are_kept_when_the_form_is_shown_again(client, directory):
    response = client.post(URL, valid_post(consent=None, description="Vår beskrivning här."))

    content = assert_rejected(response, "consent")
    assert 'value="Eva Ek"' in content
    assert 'value="eva.ek@boras.example"' in content
    assert 'value="Våren 2027"' in content
    assert "Vår beskrivning här." in content
    assert 'value="1490" selected' in content
    assert re.search(r'value="resursatervinning"[^>]*checked', content)
    assert not re.search(r'value="textil-mode"[^>]*checked', content)


def test_hundred_kilobyte_description_is_refused_with_a_clear_error(client, directory):
    response = client.post(URL, valid_post(description="a" * 100_000))

    assert_rejected(response, "description")


def test_unknown_municipality_is_refused(client, directory):
    response = client.post(URL, valid_post(municipality="9999"))

    assert_rejected(response, "municipality")


def test_inactive_municipality_is_refused(client, directory):
    from directory.models import Municipality

    Municipality.objects.filter(code="1490").update(active=False)

    response = client.post(URL, valid_post())

    assert_rejected(response, "municipality")


def test_unknown_area_is_refused(client, directory):
    response = client.post(URL, valid_post(areas=["no-such-area"]))

    assert_rejected(response, "areas")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requester_name", "Eva Ek\r\nBcc: victim@example.com"),
        ("requester_name", "Eva\nEk"),
        ("requester_email", "eva@boras.example\r\nBcc: victim@example.com"),
        ("requester_email", "eva@boras.example\nCc: x@example.com"),
        ("title", "Rad ett\r\nRad två"),
    ],
)
def test_line_breaks_in_single_line_fields_are_rejected(client, directory, field, value):
    response = client.post(URL, valid_post(**{field: value}))

    assert_rejected(response, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requester_email", "not-an-email"),
        ("requester_phone", "0" * 41),
        ("title", "t" * 201),
        ("collaboration_forms", ["no-such-form"]),
    ],
)
def test_malformed_values_are_rejected_next_to_the_field(client, directory, field, value):
    response = client.post(URL, valid_post(**{field: value}))

    assert_rejected(response, field)


def test_garbage_bytes_and_odd_unicode_do_not_crash_the_form(client, directory):
    response = client.post(
        URL,
        valid_post(
            requester_name="\x00\x01",
            title="\u202eevil\u200b",
            municipality="' OR 1=1 --",
        ),
    )

    assert response.status_code == 200
    assert Case.objects.count() == 0


def test_html_in_every_text_field_is_escaped_on_every_page(
    client, directory, coordinator, contact_a
):
    text_fields = ["requester_name", "requester_role", "title", "description", "timeframe"]
    post = valid_post(**{f: XSS.format(i) for i, f in enumerate(text_fields)})
    post["requester_phone"] = "<b>070</b>"

    response = client.post(URL, post)

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.title == XSS.format(2), "the text is stored as typed"
    pages = {"receipt": client.get(response["Location"])}
    token = tracking_token(pages["receipt"])
    pages["track"] = client.get(f"/track/{token}/")
    client.force_login(coordinator)
    pages["inbox"] = client.get("/staff/")
    pages["case"] = client.get(f"/staff/cases/{case.reference}/")
    for name, page in pages.items():
        assert page.status_code == 200, name
        content = page.content.decode()
        assert "<script>alert(" not in content, f"unescaped script on the {name} page"
        assert "<b>070</b>" not in content, name
    case_page = pages["case"].content.decode()
    for i, field in enumerate(text_fields):
        assert f"&lt;script&gt;alert(&quot;x{i}&quot;)&lt;/script&gt;" in case_page, field
    assert "&lt;script&gt;" in pages["track"].content.decode()


def test_form_in_english_interface_records_english_as_the_case_language(client, directory):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    response = client.post(URL, valid_post())

    assert response.status_code == 302
    assert Case.objects.get().language == "en"
    assert OutboxMessage.objects.get(kind="receipt").language == "en"


def test_form_without_language_preference_records_swedish(client, directory):
    client.post(URL, valid_post())

    assert Case.objects.get().language == "sv"
    assert OutboxMessage.objects.get(kind="receipt").language == "sv"


def test_receipt_page_without_a_submission_goes_back_to_the_form(client, directory):
    response = client.get("/requests/receipt/")

    assert response.status_code == 302
    assert response["Location"] == URL


def test_interface_is_swedish_even_when_the_browser_prefers_english(client, directory):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()

    assert 'lang="sv"' in page
    assert "Skicka" in page


def test_receipt_page_works_from_its_cookie_and_writes_no_session(client, directory):
    from django.contrib.sessions.models import Session

    response = client.post(URL, valid_post())

    assert Session.objects.count() == 0, "a submission writes no session row"
    cookie = response.cookies["receipt"]
    assert cookie["httponly"] and cookie["path"] == "/requests/receipt/"
    receipt = client.get(response["Location"])
    case = Case.objects.get()
    assert case.reference in receipt.content.decode()
    assert client.get(f"/track/{tracking_token(receipt)}/").status_code == 200


def test_tampered_receipt_cookie_goes_back_to_the_form(client, directory):
    client.post(URL, valid_post())
    value = client.cookies["receipt"].value
    client.cookies["receipt"] = value.replace("AK-", "XX-")

    response = client.get("/requests/receipt/")

    assert response.status_code == 302
    assert response["Location"] == URL


def test_service_rule_and_shape_errors_are_shown_together(client, directory):
    # Municipality and email fail the form's shape check; areas and consent the service's
    # rules. All four are shown at once, and what was typed is kept.
    response = client.post(
        URL,
        valid_post(municipality="9999", requester_email="nope", areas=None, consent=None),
    )

    content = assert_rejected(response, "municipality", "requester_email", "areas", "consent")
    assert "Välj minst ett område" in content
    assert "Du måste godkänna behandlingen av personuppgifter." in content
    assert 'value="Eva Ek"' in content


def test_error_summary_lists_a_service_error_with_a_link_to_its_field(client, directory):
    response = client.post(URL, valid_post(consent=None))

    content = assert_rejected(response, "consent")
    summary = content.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_consent"' in summary
    assert "Du måste godkänna behandlingen av personuppgifter." in summary


def test_whitespace_only_title_is_refused_next_to_the_field(client, directory):
    response = client.post(URL, valid_post(title="   "))

    assert_rejected(response, "title")


def test_receipt_page_repeats_what_was_sent(client, directory):
    response = client.post(URL, valid_post(description="Vi vill halvera matsvinnet.\nI skolorna."))

    receipt = client.get(response["Location"]).content.decode()

    sent = receipt.split('data-testid="request"')[1]
    for shown in (
        "Minska matsvinnet i skolorna",
        "Vi vill halvera matsvinnet.<br>I skolorna.",
        "Borås",
        "Resursåtervinning",
        "Pedagogiskt arbete",
        "Examensarbete",
        "Våren 2027",
        "Eva Ek, Miljöstrateg",
        "eva.ek@boras.example",
    ):
        assert shown in sent, shown


def test_receipt_email_repeats_what_was_sent(client, directory, mailoutbox):
    client.post(URL, valid_post())
    receipt = OutboxMessage.objects.get(kind="receipt")

    assert message_deliver(message_id=receipt.pk) == "sent"

    email = mailoutbox[-1]
    text, html = email.body, email.alternatives[0][0]
    assert "Det du skickade" in text
    assert "Rubrik: Minska matsvinnet i skolorna" in text
    assert "Vi vill halvera matsvinnet i kommunens skolkök." in text
    assert "Kommun: Borås" in text
    assert "Samverkansområden: Resursåtervinning, Pedagogiskt arbete" in text or (
        "Samverkansområden: Pedagogiskt arbete, Resursåtervinning" in text
    )
    assert "Samverkansformer: Examensarbete" in text
    assert "Önskad tidsram: Våren 2027" in text
    assert "Skickad av: Eva Ek, Miljöstrateg <eva.ek@boras.example>" in text
    assert "Våren 2027" in html
    assert "Eva Ek, Miljöstrateg<br>eva.ek@boras.example" in html


def test_an_area_retired_through_the_directory_is_refused_by_the_next_submission(client, directory):
    assert client.post(URL, valid_post()).status_code == 302  # the directory is now cached
    Case.objects.all().delete()
    OutboxMessage.objects.all().delete()
    area = Area.objects.get(slug="pedagogik")
    directory_entry_save(instance=area, data={"active": False})

    assert_rejected(client.post(URL, valid_post()), "areas")


def test_an_area_added_through_the_directory_is_accepted_by_the_next_submission(client, directory):
    assert client.post(URL, valid_post()).status_code == 302  # the directory is now cached
    directory_entry_save(instance=Area(), data={"slug": "rymdfart", "name_sv": "Rymdfart"})

    assert client.post(URL, valid_post(areas=["rymdfart"])).status_code == 302
    assert list(Case.objects.latest("pk").areas.values_list("slug", flat=True)) == ["rymdfart"]
