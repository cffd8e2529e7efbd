"""Single sign-on against a real OpenID provider (oidc-provider-mock, started by the test):
Samverka redirects to its authorize page, the test signs in there as a person would (the mock's
form), and the provider's redirect comes back with a code that Samverka exchanges over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

from accounts.models import Role, User
from signin.models import OidcIdentity
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


def sso_sign_in(client, sub: str, *, next_url: str = "/staff/"):
    """Press the SSO button, authorize `sub` at the provider, follow it back to Samverka."""
    start = client.get(reverse("oidc_authentication_init"), {"next": next_url})
    assert start.status_code == 302, start
    authorize_url = start["Location"]
    # The provider's authorize page (its form), then its answer: a redirect with a code.
    assert httpx.get(authorize_url, timeout=5).status_code == 200
    answer = httpx.post(authorize_url, data={"sub": sub}, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlparse(answer.headers["location"])
    assert back.path == reverse("oidc_authentication_callback")
    return client.get(back.path, parse_qs(back.query))


def messages_on(response) -> str:
    return response.content.decode()


def test_without_oidc_settings_there_is_no_sso_button_and_its_urls_are_404(client):
    page = client.get(reverse("login"))
    assert "Logga in med Högskolans konto" not in page.content.decode()
    assert 'name="password"' in page.content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


def test_the_login_page_offers_the_university_account_when_configured(client, oidc_provider):
    html = client.get(reverse("login")).content.decode()
    assert "Logga in med Högskolans konto" in html
    assert 'name="password"' in html  # local passwords stay on by default


def test_first_sign_in_creates_the_user_with_the_role_of_their_group(client, oidc_provider):
    oidc_provider.set_user(
        "u-1001",
        email="Karin.Berg@hb.example",
        given_name="Karin",
        family_name="Berg",
        groups=["hb-staff", "samverka-coordinators"],
    )
    response = sso_sign_in(client, "u-1001")
    assert response.status_code == 302 and response["Location"] == "/staff/"
    user = User.objects.get(email="karin.berg@hb.example")
    assert (user.role, user.get_full_name(), user.has_usable_password()) == (
        Role.COORDINATOR,
        "Karin Berg",
        False,
    )
    assert OidcIdentity.objects.get(user=user).subject == "u-1001"
    inbox = client.get("/staff/")
    assert inbox.status_code == 200
    assert "Karin Berg" in inbox.content.decode()
    assert client.session[BACKEND_SESSION_KEY] == "signin.oidc.OIDCBackend"


def test_the_widest_mapped_role_wins_and_the_role_follows_the_provider(client, oidc_provider):
    user = make_user("registrar", email="per.ek@hb.example")
    oidc_provider.set_user(
        "u-2", email="per.ek@hb.example", groups=["samverka-registrars", "samverka-admins"]
    )
    sso_sign_in(client, "u-2")
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMIN, True, True)

    client.logout()
    oidc_provider.set_user("u-2", email="per.ek@hb.example", groups=["samverka-registrars"])
    sso_sign_in(client, "u-2")
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == (Role.REGISTRAR, False, False)


def test_a_group_that_maps_to_no_role_is_refused_with_a_clear_message(client, oidc_provider):
    oidc_provider.set_user("u-3", email="lisa@hb.example", groups=["hb-staff"])
    response = sso_sign_in(client, "u-3")
    assert response["Location"] == reverse("login")
    page = client.get(reverse("login"))
    assert "Ditt konto vid högskolan har ingen roll i Samverka" in page.content.decode()
    assert not User.objects.filter(email="lisa@hb.example").exists()
    assert client.get("/staff/").status_code == 302  # not signed in


def test_the_refusal_is_in_english_for_an_english_visitor(client, oidc_provider):
    client.cookies["django_language"] = "en"
    oidc_provider.set_user("u-4", email="tom@hb.example", groups=[])
    sso_sign_in(client, "u-4")
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Your university account has no role in Samverka" in page.content.decode()


def test_without_user_creation_an_unknown_person_is_refused(client, oidc_provider, settings):
    settings.OIDC_CREATE_USERS = False
    oidc_provider.set_user("u-5", email="ny@hb.example", groups=["samverka-coordinators"])
    sso_sign_in(client, "u-5")
    html = client.get(reverse("login")).content.decode()
    assert "Det finns inget Samverka-konto för ditt konto vid högskolan" in html
    assert not User.objects.filter(email="ny@hb.example").exists()


def test_without_a_role_map_roles_stay_managed_in_samverka(client, oidc_provider, settings):
    settings.OIDC_ROLE_MAP = {}
    user = make_user("registrar", email="sara@hb.example")
    oidc_provider.set_user("u-6", email="SARA@hb.example", groups=["samverka-admins"])
    response = sso_sign_in(client, "u-6")
    assert response["Location"] == "/staff/"
    user.refresh_from_db()
    assert (user.role, user.is_superuser) == (Role.REGISTRAR, False)
    assert client.get("/staff/").status_code == 200


def test_the_stored_sub_finds_the_user_after_their_email_changes(client, oidc_provider):
    user = make_user("coordinator", email="anna.gift@hb.example")
    oidc_provider.set_user("u-7", email="anna.gift@hb.example", groups=["samverka-coordinators"])
    sso_sign_in(client, "u-7")
    client.logout()
    oidc_provider.set_user("u-7", email="anna.ny@hb.example", groups=["samverka-coordinators"])
    response = sso_sign_in(client, "u-7")
    assert response["Location"] == "/staff/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_email_passed_on_to_another_person_does_not_inherit_the_account(client, oidc_provider):
    make_user("coordinator", email="post@hb.example")
    oidc_provider.set_user("u-8", email="post@hb.example", groups=["samverka-coordinators"])
    sso_sign_in(client, "u-8")
    client.logout()
    oidc_provider.set_user("u-9", email="post@hb.example", groups=["samverka-coordinators"])
    response = sso_sign_in(client, "u-9")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_deactivated_account_is_refused(client, oidc_provider):
    user = make_user("coordinator", email="borta@hb.example")
    user.is_active = False
    user.save()
    oidc_provider.set_user("u-10", email="borta@hb.example", groups=["samverka-coordinators"])
    sso_sign_in(client, "u-10")
    assert "Ditt Samverka-konto är avstängt" in client.get(reverse("login")).content.decode()


def test_a_provider_that_does_not_answer_gives_a_message_not_an_error(client, settings):
    from tests.conftest import free_port

    settings.OIDC_RP_CLIENT_ID = "samverka-test"
    settings.OIDC_RP_CLIENT_SECRET = "s"
    settings.OIDC_OP_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/x"
    response = client.get(reverse("oidc_authentication_init"), follow=True)
    assert response.status_code == 200
    assert "Högskolans inloggningstjänst svarar inte" in response.content.decode()


def test_without_local_passwords_only_the_sso_button_remains(client, oidc_provider, settings):
    settings.LOCAL_PASSWORDS = False
    make_user("coordinator", email="k@hb.example")
    page = client.get(reverse("login")).content.decode()
    assert "Logga in med Högskolans konto" in page
    assert 'name="password"' not in page

    refused = client.post(reverse("login"), {"username": "k@hb.example", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Inloggning med lösenord är avstängd" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    # The admin's login form sends people to the SSO button, and refuses a password too.
    admin_login = client.post("/admin/login/", {"username": "k@hb.example", "password": PASSWORD})
    assert admin_login.status_code == 302
    assert admin_login["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_an_administrator_by_sso_is_not_asked_for_a_totp_code_unless_configured(
    client, oidc_provider, settings
):
    settings.ADMIN_TOTP_REQUIRED = True
    oidc_provider.set_user("u-11", email="chef@hb.example", groups=["samverka-admins"])
    sso_sign_in(client, "u-11", next_url="/admin/")
    assert client.get("/admin/").status_code == 200

    settings.ADMIN_TOTP_AFTER_SSO = True
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("signin-two-factor"))


def test_logging_out_after_sso_also_ends_the_provider_session(client, oidc_provider):
    oidc_provider.set_user("u-12", email="ut@hb.example", groups=["samverka-coordinators"])
    sso_sign_in(client, "u-12")
    response = client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == oidc_provider.url
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token, a JWT
    # The provider's end-session page takes it and sends the person back to Samverka.
    assert httpx.get(response["Location"], timeout=5).status_code == 200


def test_a_password_sign_in_logs_out_locally_only(client, oidc_provider):
    make_user("coordinator", email="lokal@hb.example")
    client.post(reverse("login"), {"username": "lokal@hb.example", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response["Location"] == "/"


def test_without_a_role_map_a_new_person_gets_an_account_without_a_role(
    client, oidc_provider, settings
):
    settings.OIDC_ROLE_MAP = {}
    oidc_provider.set_user("u-13", email="ny.person@hb.example", groups=["samverka-admins"])
    sso_sign_in(client, "u-13")
    user = User.objects.get(email="ny.person@hb.example")
    assert (user.role, user.is_staff, user.is_superuser) == ("", False, False)
    # Signed in, but sees no case until an administrator gives a role.
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 302


def test_an_administrator_sees_who_signs_in_by_sso_in_the_admin(client, oidc_provider):
    oidc_provider.set_user("u-14", email="syns@hb.example", groups=["samverka-coordinators"])
    sso_sign_in(client, "u-14")
    client.logout()
    client.force_login(make_user("admin"))
    page = client.get("/admin/signin/oidcidentity/")
    assert page.status_code == 200
    assert "syns@hb.example" in page.content.decode() and "u-14" in page.content.decode()
