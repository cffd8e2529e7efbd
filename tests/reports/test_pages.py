"""The staff reports: who may see them, the filters, the charts and the downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from cases.actors import Actor
from cases.services import case_transition
from directory.models import ContactPerson, Municipality
from reports import services
from tests.factories import make_case, make_contact_user, make_user

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def figures(directory, coordinator):
    """Three Borås requests and one from Tranemo in March 2026; one Borås case a project."""
    staff = Actor.staff(coordinator)
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=TZ), tick=False):
        project = make_case(title="P")
        make_case(title="Q")
        make_case(title="R")
        make_case(title="T", municipality=Municipality.objects.get(code="1452"))
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=TZ), tick=False):
        project = case_transition(
            case=project, name="assign_contact", actor=staff, data={"contact": lena.email}
        )
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        project = case_transition(
            case=project,
            name="record_meeting",
            actor=staff,
            data={"date": "2026-03-09", "notes": "Bra."},
        )
        case_transition(
            case=project,
            name="start_project",
            actor=staff,
            data={"title": "X", "summary": "Y"},
        )
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=TZ), tick=False):
        services.aggregates_refresh()


def _login(client, role):
    user = make_user(role)
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", ["coordinator", "registrar", "admin"])
def test_coordinators_registrars_and_administrators_see_the_reports(client, figures, role):
    _login(client, role)
    response = client.get("/staff/reports/?period=year&year=2026")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Från förfrågan till projekt" in html
    assert 'src="/staff/reports/funnel.svg?period=year&amp;year=2026"' in html
    assert "Siffrorna gäller" in html


def test_contact_persons_get_403_on_reports_charts_and_downloads(client, figures):
    anna = ContactPerson.objects.get(email="anna.lindqvist@hb.example")
    client.force_login(make_contact_user(anna))
    for url in (
        "/staff/reports/",
        "/staff/reports/funnel.svg",
        "/staff/reports/funnel.csv",
        "/staff/reports/funnel.xlsx",
        "/staff/reports/annual/1490/2026/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/staff/reports/refresh/").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, figures):
    response = client.get("/staff/reports/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _table(html: str, name: str) -> str:
    match = re.search(rf'data-testid="table-{name}">(.*?)</table>', html, re.S)
    assert match, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_municipality_filter_narrows_every_report(client, figures):
    _login(client, "coordinator")
    html = client.get("/staff/reports/?period=year&year=2026").content.decode()
    assert "Inkommen 4 100 %" in _table(html, "funnel")
    html = client.get(
        "/staff/reports/?period=quarter&year=2026&quarter=1&municipality=1452"
    ).content.decode()
    assert "Inkommen 1 100 %" in _table(html, "funnel")
    assert "Tranemo" in _table(html, "municipalities")
    assert "Borås" not in _table(html, "municipalities")


def test_contact_person_filter_lists_everyone_and_keeps_the_chosen(client, figures):
    _login(client, "coordinator")
    html = client.get(
        "/staff/reports/?period=year&year=2026&contact=lena.forsberg@hb.example"
    ).content.decode()
    assert '<option value="lena.forsberg@hb.example" selected>' in html
    assert '<option value="" >' not in html and '<option value="">Alla</option>' in html
    assert html.count("<option value=") >= ContactPerson.objects.count() + 1
    assert "Inkommen 1 100 %" in _table(html, "funnel")


def test_bad_filter_input_shows_a_swedish_error_and_keeps_the_other_filters(client, figures):
    _login(client, "coordinator")
    response = client.get(
        "/staff/reports/?period=custom&start=2026-03-01&end=inte-ett-datum&municipality=1490"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fyll i ett giltigt datum." in html
    # The municipality stays chosen and still applies: Borås's three requests.
    assert '<option value="1490" selected>' in html
    assert 'value="2026-03-01"' in html
    html_funnel = _table(html, "funnel")
    assert "Inkommen" in html_funnel
    response = client.get("/staff/reports/?period=quarter&year=2026&quarter=7&municipality=1490")
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_the_chart_is_an_svg_without_script_or_inline_style_attributes(client, figures):
    _login(client, "coordinator")
    response = client.get("/staff/reports/funnel.svg?period=year&year=2026")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert "<script" not in svg
    assert " style=" not in svg
    assert '<title id="chart-title">Från förfrågan till projekt</title>' in svg
    policy = response["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "unsafe-inline" not in policy


def test_csv_and_xlsx_hold_the_figures_of_the_table(client, figures):
    _login(client, "coordinator")
    response = client.get("/staff/reports/funnel.csv?period=year&year=2026")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["Steg", "Ärenden", "Andel av inkomna"],
        ["Inkommen", "4", "100 %"],
        ["Kontaktperson tilldelad", "1", "25 %"],
        ["Möte genomfört", "1", "25 %"],
        ["Workshop eller projekt", "1", "25 %"],
        ["Projekt", "1", "25 %"],
    ]
    response = client.get("/staff/reports/municipalities.xlsx?period=year&year=2026")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Kommun", "Inkomna förfrågningar"]
    assert [row[0] for row in values[1:]] == ["Borås", "Tranemo"]
    assert values[1][1] == 3
    assert values[1][-3] == 1  # projects started


def test_annual_report_is_printable(client, figures):
    _login(client, "registrar")
    html = client.get("/staff/reports/annual/1490/2026/").content.decode()
    assert "Årsrapport 2026: Borås" in html
    assert 'href="/static/css/reports-print.css" media="print"' in html
    key = re.search(r'data-testid="key-figures">(.*?)</dl>', html, re.S).group(1)
    assert (
        re.sub(r"<[^>]+>|\s+", " ", key).split()
        == (
            "Inkomna förfrågningar 3 Startade projekt 1 Besvarade inom utlovad tid 100 % "
            "Genomförda aktiviteter 0 Deltagare 0"
        ).split()
    )


def test_coordinators_can_update_the_figures_now(client, figures, directory):
    _login(client, "coordinator")
    make_case(title="Ny")
    before = client.get("/staff/reports/?period=year&year=2026").content.decode()
    assert "Inkommen 4 100 %" in _table(before, "funnel")
    # The new case is today's: within the margin for late commits, but its own event is read.
    response = client.post("/staff/reports/refresh/", {"next": "/staff/reports/?year=2026"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/reports/?year=2026"
    after = client.get("/staff/reports/?period=year&year=2026").content.decode()
    assert "Inkommen 5 100 %" in _table(after, "funnel")


def test_a_long_chart_draws_the_largest_rows_and_says_so():
    from django.utils import translation

    from reports.charts import CHART_ROWS, Figure, render_svg

    rows = [[f"Kommun {n}", n] for n in range(40)]
    figure = Figure(name="x", title="Test", description="Alla.", columns=["Kommun", "Antal"])
    figure.rows, figure.kind = rows, "hbar"
    with translation.override("sv"):
        svg, _hash = render_svg(figure)
    assert "Visar 30 av 40 rader – hela tabellen finns i CSV- och XLSX-filerna." in svg
    assert ">Kommun 39<" in svg and ">Kommun 10<" in svg and ">Kommun 9<" not in svg
    assert len(figure.rows) == 40 and CHART_ROWS == 30


def test_the_page_lists_the_rows_the_chart_draws_and_the_downloads_every_row(rf, coordinator):
    """The table beneath a chart holds every figure the chart draws (the 30 largest of
    5,000), says how many it leaves out, and the CSV and XLSX keep them all."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from reports.charts import Figure, csv_response, xlsx_response

    figure = Figure(
        name="load",
        title="Belastning",
        description="Alla.",
        columns=["Kontaktperson", "Öppna"],
        rows=[[f"Person {n}", n] for n in range(5000)],
        kind="hbar",
    )
    with translation.override("sv"):
        html = render_to_string(
            "reports/_figure.html", {"figure": figure, "downloads": True, "query": "year=2026"}
        )
    assert html.count('<th scope="row">') == 30
    assert ">Person 4999<" in html and ">Person 4970<" in html and ">Person 4969<" not in html
    assert "Visar 30 av 5\u00a0000 rader – hela tabellen finns i CSV- och XLSX-filerna." in html
    assert "/staff/reports/load.csv?year=2026" in html
    assert len(csv_response(figure).content.decode().splitlines()) == 5001
    assert xlsx_response(figure).content[:2] == b"PK"
    # A short table says nothing of the kind.
    figure.rows = figure.rows[:30]
    assert "Visar" not in render_to_string("reports/_figure.html", {"figure": figure})
