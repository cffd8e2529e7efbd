"""The inbox table: sortable headers, age and next-due columns, numbered pages."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.utils import timezone

from tests.factories import make_case


def page(client, **params) -> str:
    response = client.get("/staff/", params)
    assert response.status_code == 200
    return response.content.decode()


def header(content: str, key: str) -> str:
    match = re.search(
        rf'<th scope="col"[^>]*>(?:(?!</th>).)*data-sort="{key}"(?:(?!</th>).)*</th>', content, re.S
    )
    assert match, key
    return match.group(0)


def order(content: str, cases) -> list[str]:
    positions = sorted((content.index(c.reference), c.reference) for c in cases)
    return [ref for _pos, ref in positions]


def test_headers_sort_by_allowed_columns_and_say_how(client, coordinator, directory):
    with time_machine.travel(timezone.now() - dt.timedelta(days=3), tick=False):
        old = make_case(title="Äldst")
    new = make_case(title="Nyast")
    client.force_login(coordinator)

    default = page(client)
    assert 'aria-sort="descending"' in header(default, "received")
    assert "aria-sort" not in header(default, "reference")
    assert order(default, [old, new]) == [new.reference, old.reference]

    link = re.search(r'href="([^"]+)" data-sort="received"', default).group(1)
    flipped = client.get("/staff/" + link.replace("&amp;", "&")).content.decode()
    assert 'aria-sort="ascending"' in header(flipped, "received")
    assert order(flipped, [old, new]) == [old.reference, new.reference]


def test_sort_links_keep_the_filters(client, coordinator, directory):
    make_case()
    client.force_login(coordinator)

    content = page(client, view="new", municipality="1490", q="skola")

    link = re.search(r'href="([^"]+)" data-sort="reference"', content).group(1)
    assert "view=new" in link and "municipality=1490" in link and "q=skola" in link
    assert "sort=reference" in link


def test_an_unknown_sort_falls_back_to_newest(client, coordinator, directory):
    make_case()
    client.force_login(coordinator)

    content = page(client, sort="requester_email")

    assert 'aria-sort="descending"' in header(content, "received")


def test_age_and_next_due_columns(client, coordinator, directory):
    with time_machine.travel(timezone.now() - dt.timedelta(days=12), tick=False):
        case = make_case()
    client.force_login(coordinator)

    content = page(client)

    row = content[content.index(case.reference) :]
    assert re.search(r'data-testid="age">12<', row)
    due = re.search(r'data-testid="due">([^<]*)', row).group(1)
    case.refresh_from_db()
    assert due.startswith(timezone.localtime(case.next_reminder_at).strftime("%Y-%m-%d"))
    assert "förfallen" in row.split("</tr>")[0]  # its first reminder was due long ago


def test_numbered_pages_with_a_total_keep_the_filters(client, coordinator, directory, settings):
    settings.INBOX_PAGE_SIZE = 2
    for i in range(5):
        make_case(title=f"Fråga {i}")
    client.force_login(coordinator)

    content = page(client, view="new", page=2)

    assert "5 ärenden" in content
    assert "Sida 2 av 3" in content
    links = re.findall(r'<li><a href="\?([^"]+)"( aria-current="page")?>(\d)</a></li>', content)
    assert [(n, bool(cur)) for _q, cur, n in links] == [("1", False), ("2", True), ("3", False)]
    assert all("view=new" in q for q, _cur, _n in links)


def test_next_due_order_puts_the_earliest_reminder_first(client, coordinator, directory):
    with time_machine.travel(timezone.now() - dt.timedelta(days=20), tick=False):
        early = make_case()
    late = make_case()
    client.force_login(coordinator)

    content = page(client, sort="due")

    assert 'aria-sort="ascending"' in header(content, "due")
    assert order(content, [early, late]) == [early.reference, late.reference]
    assert order(page(client, sort="-due"), [early, late]) == [late.reference, early.reference]
