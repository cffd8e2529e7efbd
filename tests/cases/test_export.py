"""The registry's CSV export of the case list."""

from __future__ import annotations

import csv
import io

from tests.factories import make_case


def rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_registrar_downloads_the_filtered_list_as_csv(client, directory, registrar):
    received = make_case(title="Matsvinn i skolan")
    make_case(
        title="Äldreomsorg", municipality=received.municipality.__class__.objects.get(code="1452")
    )
    client.force_login(registrar)

    response = client.get("/staff/export.csv?municipality=1490")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = rows(response)
    assert len(table) == 2  # header and the one case from Borås
    assert table[1][0] == received.reference
    assert table[1][2] == "Borås"
    assert table[1][4] == "Matsvinn i skolan"


def test_user_text_stays_text_in_a_spreadsheet(client, directory, registrar):
    make_case(title='=HYPERLINK("http://evil.example")', requester_name='Eva; "Ek", jr')
    client.force_login(registrar)

    table = rows(client.get("/staff/export.csv"))

    assert table[1][4] == '\'=HYPERLINK("http://evil.example")'
    assert table[1][3] == 'Eva; "Ek", jr'


def test_contact_person_cannot_export(client, directory, contact_user_a):
    client.force_login(contact_user_a)
    assert client.get("/staff/export.csv").status_code == 403
