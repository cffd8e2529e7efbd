"""The page behind a signed email link shows each error once, however many checks found it."""

from __future__ import annotations

import re

import pytest

from notifications.models import OutboxMessage
from tests.factories import make_case

LINK = re.compile(r"http://testserver(/act/(accept|decline|meet)/[^/\s\"]+/)")


@pytest.fixture
def links(coordinator, contact_a) -> dict[str, str]:
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    message = OutboxMessage.objects.filter(kind="assigned", case_id=case.pk).latest("id")
    return {purpose: path for path, purpose in LINK.findall(message.body_text)}


@pytest.mark.parametrize("reason", ["", "   "])
def test_empty_hand_back_reason_says_the_field_is_required_once(client, links, reason):
    response = client.post(links["decline"], {"reason": reason})

    content = response.content.decode()
    assert response.status_code == 400
    field_error = re.search(r'<p class="error" id="id_reason_error">(.*?)</p>', content, re.S)
    assert field_error, "the error is shown next to the field"
    assert field_error.group(1).count("Fältet måste fyllas i.") == 1
    assert "Fältet måste fyllas i. Fältet måste fyllas i." not in content


def test_empty_meeting_form_names_each_missing_field_once(client, links):
    response = client.post(links["meet"], {"date": "", "notes": ""})

    content = response.content.decode()
    assert response.status_code == 400
    for name in ("date", "notes"):
        field_error = re.search(rf'<p class="error" id="id_{name}_error">(.*?)</p>', content, re.S)
        assert field_error, name
        assert field_error.group(1).count("Fältet måste fyllas i.") == 1, name
