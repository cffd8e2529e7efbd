"""The case page and the tracking page with a long conversation: queries do not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversation.models import Channel
from conversation.services import requester_message_add, staff_message_send
from tests.conversation.files import pdf_bytes, upload
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    client.get(url)  # session and content-type caches warm, as on a running server
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _converse(case, user, n: int) -> None:
    for i in range(n):
        if i % 2:
            requester_message_add(case=case, body=f"Svar {i}", channel=Channel.WEB)
        else:
            staff_message_send(
                case=case, user=user, body=f"Fråga {i}", files=[upload(f"f{i}.pdf", pdf_bytes())]
            )


def test_case_and_tracking_pages_cost_the_same_with_2_or_50_messages(
    client, coordinator, contact_a, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    _converse(case, contact_user_a, 2)
    client.force_login(contact_user_a)
    staff_url = reverse("staff-case", args=[case.reference])
    track_url = reverse("track", args=[case.token])
    staff_short, track_short = _count(client, staff_url), _count(client, track_url)
    _converse(case, contact_user_a, 48)
    staff_long, track_long = _count(client, staff_url), _count(client, track_url)
    page = client.get(track_url).content.decode()
    assert page.count('data-testid="message"') == 50
    assert (staff_long, track_long) == (staff_short, track_short)
    # Issue 9: the case page in at most 10 queries (today 8; the messages and their files: 2).
    assert staff_long <= 10, staff_long
