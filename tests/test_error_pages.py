"""The site's own 403, 404 and 500 pages, and the API's error shape when the database is down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.conftest import ROOT, free_port

SITE_LAYOUT = (
    '<header class="site-header">',
    'href="/requests/new/"',
    '<footer class="site-footer">',
)


def assert_site_layout_in_swedish(html: str) -> None:
    assert '<html lang="sv">' in html
    for piece in SITE_LAYOUT:
        assert piece in html, piece
    assert "Skicka en förfrågan" in html  # the navigation, translated


def test_unknown_page_is_a_swedish_404_with_the_site_layout_and_ways_forward(client):
    response = client.get("/finns-inte/")

    assert response.status_code == 404
    html = response.content.decode()
    assert_site_layout_in_swedish(html)
    assert "<h1>Sidan finns inte</h1>" in html
    ways = html.split('data-testid="ways-forward"')[1].split("</ul>")[0]
    for url in ("/", "/requests/new/", "/contacts/", "/areas/"):
        assert f'href="{url}"' in ways, url


def test_404_page_follows_the_language_switch(client):
    client.cookies["django_language"] = "en"

    html = client.get("/finns-inte/").content.decode()

    assert '<html lang="en">' in html
    assert "<h1>Page not found</h1>" in html


def test_contact_person_opening_the_registry_export_gets_a_swedish_403_page(client, contact_user_a):
    client.force_login(contact_user_a)

    response = client.get("/staff/export.csv")

    assert response.status_code == 403
    html = response.content.decode()
    assert_site_layout_in_swedish(html)
    assert "<h1>Du kan inte öppna den här sidan</h1>" in html
    assert 'href="/staff/">Mina ärenden</a>' in html  # back to where they may go


# No `db` fixture: pytest-django refuses any query, so these pass only if the 500 page needs
# no database (when the database is down, this page is what visitors see).
@pytest.mark.urls("tests.error_urls")
def test_server_error_is_a_swedish_500_page_with_the_site_layout_and_no_database(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/fails/")

    assert response.status_code == 500
    html = response.content.decode()
    assert_site_layout_in_swedish(html)
    assert "<h1>Något gick fel</h1>" in html
    assert "kvittomejl" in html  # a requester is told how to avoid sending twice
    # Rendered without a request, so without a CSRF token: no language switch that would fail.
    assert 'class="lang-switch"' not in html


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/api/v1/fails/", 500, "server_error"), ("/api/v1/database-down/", 503, "unavailable")],
)
def test_api_errors_outside_an_api_view_keep_the_json_error_shape(settings, path, status, code):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["fields"] == {}


def _refuse(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_api_view_answers_503_unavailable_when_a_query_fails_even_with_debug_on(
    db, settings, debug
):
    settings.DEBUG = debug  # `make run` runs with DEBUG on: no HTML traceback page for the API
    client = Client(raise_request_exception=False)

    with connection.execute_wrapper(_refuse):
        response = client.get("/api/v1/areas/", headers={"Accept-Language": "en"})

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response.json()["error"]["message"].startswith("The service is temporarily")


# --- A real server whose PostgreSQL cannot be reached ----------------------------------------


@pytest.fixture
def server_without_database(tmp_path):
    """gunicorn (as in production, DEBUG off) with DATABASE_URL at a port nobody listens on."""
    port = free_port()
    dead_database = f"postgres://postgres@127.0.0.1:{free_port()}/samverka"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": dead_database,
        "DEBUG": "0",
        "SECRET_KEY": "error-page-test-secret-key-0123456789-0123456789",
        "VAR_DIR": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": "",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            break
        except urllib.error.HTTPError:
            break  # 503 from /healthz: the server answers, the database does not
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:]) from None
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(10)
    log.close()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def test_api_answers_503_unavailable_as_json_when_the_database_is_down(server_without_database):
    base = server_without_database
    # A public read, a token check (a database lookup before the view's own code) and the
    # English message a client asks for.
    for path, headers, message in [
        ("/api/v1/areas/", {}, "Tjänsten är tillfälligt otillgänglig. Försök igen om en stund."),
        ("/api/v1/cases/", {"Authorization": "Token abc123"}, "Tjänsten är tillfälligt"),
        ("/api/v1/areas/", {"Accept-Language": "en"}, "The service is temporarily unavailable."),
    ]:
        status, content_type, body = fetch(base + path, headers)
        assert status == 503, (path, body[:300])
        assert content_type == "application/json"
        error = json.loads(body)["error"]
        assert error["code"] == "unavailable"
        assert error["message"].startswith(message)


def test_site_shows_its_swedish_500_page_when_the_database_is_down(server_without_database):
    status, content_type, html = fetch(server_without_database + "/")

    assert status == 500
    assert content_type.startswith("text/html")
    assert_site_layout_in_swedish(html)
    assert "<h1>Något gick fel</h1>" in html
