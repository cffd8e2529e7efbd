"""The header tells staff who is signed in and offers only the pages they may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def staff_nav(client, url: str = "/staff/") -> str:
    html = client.get(url).content.decode()
    start = html.index('class="staff-nav"')
    return html[start : html.index("</nav>", start)]


def test_coordinator_sees_name_role_inbox_outbox_and_profile_for_notifications(
    client, directory, coordinator
):
    coordinator.first_name, coordinator.last_name = "Karin", "Koordinator"
    coordinator.save()
    client.force_login(coordinator)
    nav = staff_nav(client)
    assert "Karin Koordinator</strong> · Samverkanskoordinator" in nav
    assert f'href="{reverse("staff-outbox")}"' in nav
    assert f'href="{reverse("staff-home")}" aria-current="page"' in nav
    # The profile holds every staff user's notification choices (a directory entry only if any).
    assert f'href="{reverse("staff-profile")}"' in nav
    assert "Mina ärenden" not in nav


def test_contact_person_sees_my_cases_and_profile_but_not_the_outbox(client, contact_user_a):
    client.force_login(contact_user_a)
    nav = staff_nav(client, reverse("staff-profile"))
    assert "Mina ärenden" in nav
    assert f'href="{reverse("staff-profile")}" aria-current="page"' in nav
    assert reverse("staff-outbox") not in nav
    assert "Inkorg" not in nav


def test_visitors_get_no_staff_menu_and_every_page_links_the_favicon(client, directory):
    html = client.get("/").content.decode()
    assert 'class="staff-nav"' not in html
    assert 'rel="icon" href="/static/favicon.svg"' in html
    html = client.get(reverse("areas")).content.decode()
    assert f'href="{reverse("areas")}" aria-current="page"' in html
