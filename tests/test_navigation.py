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
    # One entry for the user's own pages ("Mitt konto": sessions and tokens, and the
    # notification choices with a directory entry if any), not two.
    assert f'href="{reverse("staff-account")}"' in nav
    assert reverse("staff-profile") not in nav
    assert nav.count("Mitt konto") == 1 and "Min profil" not in nav
    assert "Mina ärenden" not in nav


def test_contact_person_sees_my_cases_and_profile_but_not_the_outbox(client, contact_user_a):
    client.force_login(contact_user_a)
    nav = staff_nav(client, reverse("staff-profile"))
    assert "Mina ärenden" in nav
    assert f'href="{reverse("staff-account")}" aria-current="page">Mitt konto' in nav
    assert reverse("staff-outbox") not in nav
    assert "Inkorg" not in nav


def test_visitors_get_no_staff_menu_and_every_page_links_the_favicon(client, directory):
    html = client.get("/").content.decode()
    assert 'class="staff-nav"' not in html
    assert 'rel="icon" href="/static/favicon.svg"' in html
    html = client.get(reverse("areas")).content.decode()
    assert f'href="{reverse("areas")}" aria-current="page"' in html


@pytest.mark.parametrize("url_name", ["staff-account", "staff-profile"])
def test_both_parts_of_my_account_are_tabs_under_one_menu_entry(client, contact_user_a, url_name):
    client.force_login(contact_user_a)
    html = client.get(reverse(url_name)).content.decode()
    nav = staff_nav(client, reverse(url_name))
    assert f'href="{reverse("staff-account")}" aria-current="page">Mitt konto' in nav
    tabs = html[html.index('class="subnav"') : html.index("</nav>", html.index('class="subnav"'))]
    assert "Inloggningar och API-nycklar" in tabs and "Profil och aviseringar" in tabs
    assert f'href="{reverse(url_name)}" aria-current="page"' in tabs
    assert "<h1>Mitt konto</h1>" in html


def test_the_old_profile_address_redirects_to_my_account_keeping_a_posted_form(
    client, contact_user_a
):
    client.force_login(contact_user_a)
    response = client.get("/staff/profile/")
    assert response.status_code == 308
    assert response["Location"] == reverse("staff-profile") == "/staff/account/profile/"
    # A form posted to the old address (a page open during the update) is not lost.
    response = client.post(
        "/staff/profile/",
        {"notify-submit": "1", "notify-notify_reply": "digest", "notify-notify_withdrawn": "off"},
        follow=True,
    )
    assert response.redirect_chain[0] == ("/staff/account/profile/", 308)
    contact_user_a.refresh_from_db()
    assert (contact_user_a.notify_reply, contact_user_a.notify_withdrawn) == ("digest", "off")
