"""End to end on real services: web request → PostgreSQL → Redis → Celery worker → SMTP."""

from __future__ import annotations

import re
import time

import pytest

from cases.models import Case
from cases.services import case_submit, intake
from notifications.models import OutboxMessage
from tests.conftest import body_of
from tests.factories import request_data

pytestmark = pytest.mark.services


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def failing_allocation(*, case_id: int, year: int) -> str:
    raise RuntimeError("the intake failed at its last step")


def html_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def test_receipt_status_and_assignment_emails_reach_the_smtp_server_through_a_worker(
    client, celery_worker_factory, smtp_sink, directory, coordinator, contact_a, monkeypatch
):
    celery_worker_factory()
    # This test counts the requester's and contact's emails; the coordinator's own "new
    # request" email is tested in tests/conversation/test_services.py.
    coordinator.notify_new_request = "off"
    coordinator.save(update_fields=["notify_new_request"])
    # A submission rolled back at the intake's last step must never produce an email.
    monkeypatch.setattr(intake, "reference_allocate", failing_allocation)
    with pytest.raises(RuntimeError, match="last step"):
        case_submit(**request_data(requester_email="rolled.back@kommun.example"))
    monkeypatch.undo()

    response = client.post(
        "/requests/new/",
        {
            "municipality": "1490",
            "requester_name": "Eva <b>Ek</b>",
            "requester_role": "Miljöstrateg",
            "requester_email": "eva.ek@kommun.example",
            "title": "Matsvinn <script>alert(1)</script>",
            "description": "Vi vill halvera matsvinnet.",
            "areas": ["resursatervinning"],
            "consent": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    receipt_page = client.get(response["Location"]).content.decode()
    token = re.search(r'href="/track/([^/"]+)/"', receipt_page).group(1)

    receipt = smtp_sink.wait_for(1)[0]
    assert receipt["To"] == "eva.ek@kommun.example"
    assert case.reference in receipt["Subject"]
    assert f"http://testserver/track/{token}/" in body_of(receipt)
    assert "<script>" not in html_of(receipt)
    assert "&lt;script&gt;" in html_of(receipt)

    client.force_login(coordinator)
    response = client.post(
        f"/staff/cases/{case.reference}/transitions/assign_contact/",
        {"assign_contact-contact": contact_a.email, "assign_contact-version": case.version},
    )
    assert response.status_code == 302

    messages = smtp_sink.wait_for(3)
    by_recipient = {m["To"]: m for m in messages[1:]}
    assert set(by_recipient) == {"eva.ek@kommun.example", contact_a.email}
    status = by_recipient["eva.ek@kommun.example"]
    assert case.reference in status["Subject"]
    assert contact_a.name in body_of(status)
    assigned = by_recipient[contact_a.email]
    assert f"http://testserver/staff/cases/{case.reference}/" in body_of(assigned)

    wait_until(lambda: set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"})
    assert OutboxMessage.objects.count() == 3
    assert all(m["To"] != "rolled.back@kommun.example" for m in smtp_sink.messages)
    assert len(smtp_sink.messages) == 3


def test_english_request_gets_an_english_receipt_through_the_worker(
    client, celery_worker_factory, smtp_sink, directory
):
    celery_worker_factory()
    client.post("/i18n/setlang/", {"language": "en", "next": "/requests/new/"})

    client.post(
        "/requests/new/",
        {
            "municipality": "1490",
            "requester_name": "Eve Oak",
            "requester_role": "Strategist",
            "requester_email": "eve@kommun.example",
            "title": "Food waste",
            "description": "Halve food waste in school kitchens.",
            "area_unknown": "on",
            "consent": "on",
        },
    )

    receipt = smtp_sink.wait_for(1)[0]
    case = Case.objects.get()
    assert receipt["Subject"] == f"Request received: {case.reference}"
    assert '<html lang="en"' in html_of(receipt)
