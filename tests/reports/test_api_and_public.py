"""The reports' API (same figures and filters as the page) and the public figures page."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from directory.models import Area, Municipality
from reports import public, services
from tests.factories import make_case, make_user
from tests.reports.test_pages import figures  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")


def _api(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


def test_funnel_api_gives_the_figures_of_the_page(figures):  # noqa: F811
    response = _api("registrar").get("/api/v1/reports/funnel/?period=year&year=2026")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert body["received"] == 4
    assert [(s["key"], s["count"], s["share"]) for s in body["steps"]] == [
        ("received", 4, 1.0),
        ("reached_contact", 1, 0.25),
        ("reached_meeting", 1, 0.25),
        ("reached_workshop_or_project", 1, 0.25),
        ("reached_project", 1, 0.25),
    ]
    assert body["refreshed_at"] is not None


def test_lead_times_and_municipalities_api_apply_the_filters(figures):  # noqa: F811
    client = _api("coordinator")
    body = client.get("/api/v1/reports/lead-times/?period=term&year=2026&term=VT").json()
    assert body["period"] == {"start": "2026-01-01", "end": "2026-06-30"}
    assert [(m["key"], m["median"], m["p90"]) for m in body["measures"]] == [
        ("to_contact", 2, 2),
        ("to_meeting", 5, 5),
        ("to_workshop", 6, 6),
        ("to_answer", 2, 2),
    ]
    assert (body["answered"], body["answered_in_time"], body["share_in_time"]) == (1, 1, 1.0)
    body = client.get(
        "/api/v1/reports/municipalities/?period=quarter&year=2026&quarter=1&municipality=1452"
    ).json()
    assert [
        (r["code"], r["received"], r["states"]["received"]) for r in body["municipalities"]
    ] == [("1452", 1, 1)]
    body = client.get("/api/v1/reports/municipalities/?period=quarter&year=2026&quarter=2").json()
    assert body["municipalities"] == []


def test_bad_filter_is_a_400_naming_the_field(figures):  # noqa: F811
    response = _api("coordinator").get(
        "/api/v1/reports/funnel/?period=custom&start=2026-03-01&end=2026-02-01"
    )
    assert response.status_code == 400
    assert "end" in response.json()["error"]["fields"]
    response = _api("coordinator").get("/api/v1/reports/funnel/?municipality=0000")
    assert response.status_code == 400
    assert "municipality" in response.json()["error"]["fields"]
    # Empty is not "any" in the API (the schema says a date): the caller hears it.
    response = _api("coordinator").get("/api/v1/reports/lead-times/?start=&area=")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start", "area"}


# --- The public page ------------------------------------------------------------------------


def test_small_counts_are_hidden_and_cannot_be_recovered_from_the_total():
    col = public.column([5, 1, 7, 0], total=13)
    assert col.cells == ["5", "<3", "7", "<3"]
    assert col.total == "minst 12" or col.total == "at least 12"
    assert public.column([5, 4], total=9).total == "9"
    assert public.column([1, 1], total=2).total == "<3"
    # Activities shared by municipalities: the total is a count, the lower bound the largest.
    assert public.column([4, 2], total=4, additive=False).total in ("minst 4", "at least 4")


@pytest.fixture
def public_history(directory):
    boras = Municipality.objects.get(code="1490")
    mark = Municipality.objects.get(code="1463")
    tranemo = Municipality.objects.get(code="1452")
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=TZ), tick=False):
        for _ in range(5):
            make_case(municipality=boras)
        for _ in range(4):
            make_case(municipality=mark)
        make_case(municipality=tranemo, requester_name="Hemliga Hilda", title="Hemlig titel")
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=TZ), tick=False):
        services.aggregates_refresh()


def _cells(html: str, testid: str) -> dict[str, list[str]]:
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def test_public_figures_page_shows_aggregates_only_with_small_counts_hidden(client, public_history):
    response = client.get("/siffror/?year=2026")
    assert response.status_code == 200
    html = response.content.decode()
    rows = _cells(html, "public-municipalities")
    assert rows["Borås"][0] == "5"
    assert rows["Mark"][0] == "4"
    assert rows["Tranemo"][0] == "&lt;3"
    assert rows["Ulricehamn"][0] == "&lt;3"  # none: listed all the same
    # 10 requests, but the visible cells prove 9 only: the total does not give Tranemo away.
    assert rows["Totalt"][0] == "minst 9"
    assert "10" not in re.search(r'data-testid="public-headline">(.*?)</dl>', html, re.S).group(1)
    assert "Hemliga Hilda" not in html and "Hemlig titel" not in html
    areas = _cells(html, "public-areas")
    assert areas["Resursåtervinning"][0] == "10"
    assert areas[Area.objects.get(slug="textil-mode").name_sv][0] == "&lt;3"
    # Linked from the public navigation.
    assert '<a href="/siffror/" aria-current="page">Samverkan i siffror</a>' in html


def test_public_figures_page_answers_a_bad_year_with_the_latest(client, public_history):
    response = client.get("/siffror/?year=abc")
    assert response.status_code == 200
    assert '<option value="2026" selected>' in response.content.decode()
