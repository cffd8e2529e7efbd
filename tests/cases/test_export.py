"""The registry's export of the case list: CSV for Swedish Excel, and XLSX."""

from __future__ import annotations

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from directory.models import Area, CollaborationForm, Municipality
from tests.factories import make_case

HEADER = [
    "Diarienummer",
    "Inkommen",
    "Avslutad",
    "Kommun",
    "Beställare",
    "Rubrik",
    "Områden",
    "Samverkansformer",
    "Kontaktperson",
    "Läge",
    "Resultat",
]


def raw(response) -> bytes:
    return b"".join(response.streaming_content)


def rows(response) -> list[list[str]]:
    text = raw(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_registrar_downloads_the_filtered_list_as_csv(client, directory, registrar):
    received = make_case(title="Matsvinn i skolan")
    make_case(title="Äldreomsorg", municipality=Municipality.objects.get(code="1452"))
    client.force_login(registrar)

    response = client.get("/staff/export.csv?municipality=1490")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = rows(response)
    assert len(table) == 2  # header and the one case from Borås
    assert table[1][0] == received.reference
    assert table[1][3] == "Borås"
    assert table[1][5] == "Matsvinn i skolan"


def test_csv_opens_in_swedish_excel_with_a_bom_and_semicolons(client, directory, registrar):
    make_case(title="Sjuksköterskor i Ulricehamn")
    client.force_login(registrar)

    body = raw(client.get("/staff/export.csv"))

    assert body.startswith(b"\xef\xbb\xbf")
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header == ";".join(HEADER)
    assert "Sjuksköterskor i Ulricehamn" in body.decode("utf-8-sig")


def test_export_has_every_registry_column_with_closed_date_and_outcome(
    client, directory, registrar, coordinator, contact_a
):
    areas = list(Area.objects.order_by("name_sv")[:2])
    form = CollaborationForm.objects.order_by("name_sv").first()
    closed = make_case(
        title="Avslutad fråga",
        areas=areas,
        forms=[form],
        steps=("assign_contact", "close"),
        actor=coordinator,
        contact=contact_a,
    )
    client.force_login(registrar)

    table = rows(client.get("/staff/export.csv?view=closed"))

    assert table[0] == HEADER
    row = dict(zip(HEADER, table[1], strict=True))
    assert row["Diarienummer"] == closed.reference
    assert row["Avslutad"][:4] == row["Inkommen"][:4] != ""
    assert row["Områden"] == "; ".join(a.name for a in areas)
    assert row["Samverkansformer"] == form.name
    assert row["Kontaktperson"] == contact_a.name
    assert row["Läge"] == "Avslutad"
    assert row["Resultat"] == "Genomförd"


def test_open_case_has_no_closed_date_or_outcome(client, directory, registrar):
    make_case()
    client.force_login(registrar)

    row = rows(client.get("/staff/export.csv"))[1]

    assert row[2] == "" and row[10] == ""


def test_user_text_stays_text_in_a_spreadsheet(client, directory, registrar):
    make_case(title='=HYPERLINK("http://evil.example")', requester_name='Eva; "Ek", jr')
    client.force_login(registrar)

    table = rows(client.get("/staff/export.csv"))

    assert table[1][5] == '\'=HYPERLINK("http://evil.example")'
    assert table[1][4] == 'Eva; "Ek", jr'


def test_xlsx_export_has_the_same_rows(client, directory, registrar):
    case = make_case(title="=SUM(A1)", areas=[Area.objects.first()])
    client.force_login(registrar)

    response = client.get("/staff/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert values[1][0] == case.reference
    assert values[1][5] == "'=SUM(A1)"


def test_export_queries_do_not_grow_with_the_number_of_cases(client, directory, registrar):
    area = Area.objects.first()
    make_case(areas=[area])
    client.force_login(registrar)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            raw(client.get("/staff/export.csv?state=all"))
        return len(ctx.captured_queries)

    queries()  # the session's first request records it (myaccount's session list)
    one = queries()
    for _ in range(5):
        make_case(areas=[area])
    assert queries() == one


def test_contact_person_cannot_export(client, directory, contact_user_a):
    client.force_login(contact_user_a)
    assert client.get("/staff/export.csv").status_code == 403
    assert client.get("/staff/export.xlsx").status_code == 403
