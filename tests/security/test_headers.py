"""Production settings pass `manage.py check --deploy` without a warning, and every page is
served with a strict Content-Security-Policy, a Permissions-Policy, and no-store where it
carries a requester's link or staff data."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from rest_framework.test import APIClient

from tests.conftest import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SITE_URL": "https://samverka.hb.example",
    "ALLOWED_HOSTS": "samverka.hb.example",
}


def _settings_env(tmp_path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    return {
        **env,
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path),
        **extra,
    }


def test_check_deploy_with_production_settings_prints_no_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_settings_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_production_settings_turn_on_tls_and_turn_off_the_browsable_api(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, "
        "s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=_settings_env(tmp_path, TRUSTED_PROXY_COUNT="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("[")[0].split() == [
        "True",
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]
    assert "BrowsableAPIRenderer" not in run.stdout
    # A browser asking the API for HTML is refused in JSON: there is no browsable API.
    request = (
        "from django.test import Client; "
        "r = Client().get('/api/v1/requests/', HTTP_ACCEPT='text/html', secure=True, "
        "HTTP_HOST='samverka.hb.example'); print(r.status_code, r['Content-Type'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {request}"],
        cwd=ROOT,
        env=_settings_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split() == ["406", "application/json"], run.stdout + run.stderr
    # Plain http (a development run): no redirect, no HSTS, cookies over http too.
    dev = _settings_env(tmp_path, SITE_URL="http://127.0.0.1:8000")
    run = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=dev,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split()[:4] == ["False", "0", "False", "False"]


@pytest.fixture
def staff_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_pages_have_a_strict_csp_and_a_permissions_policy(client, directory):
    response = client.get("/requests/new/")
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"].startswith("'self'")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "template",
    ["templates", "cases/templates", "directory/templates", "workflows/templates"],
)
def test_no_template_has_inline_script_or_style(template):
    import re

    folder = ROOT / template
    if not folder.exists():
        return
    for path in folder.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {path}"
        assert not re.search(r"\sstyle=", text), f"style= attribute in {path}"
        for match in re.finditer(r"<style[^>]*>", text):
            assert "nonce=" in match.group(0), f"inline <style> without a nonce in {path}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path}"


def test_requester_and_staff_pages_are_never_stored(staff_client, directory):
    from django.test import Client

    from tests.cases.test_request_form import valid_post
    from tests.factories import make_case

    client = Client()
    public = client.get("/")
    assert "no-store" not in public.get("Cache-Control", "")

    response = client.post("/requests/new/", valid_post())
    receipt = client.get(response["Location"])
    case = make_case()
    pages = [
        receipt,
        client.get(f"/track/{case.token}/"),
        client.get("/track/" + "x" * 43 + "/"),
        APIClient().get(f"/api/v1/track/{case.token}/"),
        staff_client.get("/staff/"),
        staff_client.get(f"/staff/cases/{case.reference}/"),
        staff_client.get("/staff/export.csv"),
        staff_client.get("/staff/export.xlsx"),
    ]
    for page in pages:
        assert page.status_code in (200, 404)
        assert "no-store" in page["Cache-Control"], page.wsgi_request.path


def test_an_api_caller_with_a_token_gets_no_store(directory, coordinator):
    from accounts.services import api_token_create

    client = APIClient()
    _row, key = api_token_create(user=coordinator, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_csp_header_is_django_csps_own_policy_and_follows_a_changed_setting(
    client, directory, settings
):
    # The header is built once per process (config/csp.py); it must be exactly django-csp's
    # and never outlive a change of the setting.
    from csp.constants import SELF
    from csp.utils import build_policy

    assert client.get("/requests/new/")["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in client.get("/")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "img-src": [SELF]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"script-src": [SELF]}}
    response = client.get("/requests/new/")

    def directives(header: str) -> set[str]:  # django-csp's order follows a set's
        return set(header.split("; "))

    assert directives(response["Content-Security-Policy"]) == {
        "default-src 'self'",
        "img-src 'self'",
    }
    assert directives(response["Content-Security-Policy-Report-Only"]) == {
        "default-src 'self'",
        "script-src 'self'",
    }


def test_a_page_that_uses_the_csp_nonce_gets_it_in_its_policy_and_no_other_page_does(rf):
    from django.http import HttpResponse

    from config.csp import CachedCSPMiddleware

    uses_nonce = CachedCSPMiddleware(
        lambda request: HttpResponse(f'<style nonce="{request.csp_nonce}"></style>')
    )
    plain = CachedCSPMiddleware(lambda request: HttpResponse("ok"))
    nonces = []
    for _ in range(2):
        response = uses_nonce(rf.get("/admin/"))
        nonce = response.content.decode().split('"')[1]
        assert f"style-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
        assert "nonce-" not in plain(rf.get("/"))["Content-Security-Policy"]
    assert nonces[0] != nonces[1]
