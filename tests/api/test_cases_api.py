"""Staff case endpoints: visibility, filters, ordering, pagination, notes and transitions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cases.models import Case
from cases.policy import can_view_case
from tests.factories import make_case


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["reference"] for c in response.json()["results"]]


@pytest.mark.parametrize(
    "role", ["contact_a", "contact_b", "coordinator", "registrar", "administrator"]
)
def test_list_returns_exactly_the_cases_the_detail_allows(world, role):
    client = world.client(role)
    listed = set(_refs(client.get("/api/v1/cases/?page_size=100")))
    user = world.users[role]
    allowed = {c.reference for c in Case.objects.all() if can_view_case(user, c)}
    assert listed == allowed
    for case in Case.objects.all():
        status = client.get(f"/api/v1/cases/{case.reference}/").status_code
        assert status == (200 if case.reference in allowed else 404)


def test_former_contact_reads_but_cannot_act(world):
    client = world.client("contact_a")
    ref = world.former_case.reference
    assert _refs(client.get("/api/v1/cases/")) == [ref]
    assert client.get(f"/api/v1/cases/{ref}/transitions/").json()["transitions"] == []
    assert client.post(f"/api/v1/cases/{ref}/notes/", {"text": "x"}, "json").status_code == 403
    body = {"transition": "record_meeting", "date": "2026-01-01", "notes": "x"}
    assert client.post(f"/api/v1/cases/{ref}/transitions/", body, "json").status_code == 403


def test_filters(world, contact_b):
    client = world.client("coordinator")
    assert set(_refs(client.get("/api/v1/cases/?state=received"))) == {world.other_case.reference}
    assert len(_refs(client.get("/api/v1/cases/?state=open"))) == 3
    assert len(_refs(client.get(f"/api/v1/cases/?contact={contact_b.email}"))) == 2
    assert len(_refs(client.get("/api/v1/cases/?municipality=1490"))) == 3
    assert _refs(client.get("/api/v1/cases/?municipality=0000")) == []
    assert len(_refs(client.get("/api/v1/cases/?area=resursatervinning"))) == 3
    assert _refs(client.get("/api/v1/cases/?search=annat")) == [world.other_case.reference]
    today = dt.date.today()
    assert len(_refs(client.get(f"/api/v1/cases/?created_after={today}"))) == 3
    before = today - dt.timedelta(days=1)
    assert _refs(client.get(f"/api/v1/cases/?created_before={before}")) == []
    assert _refs(client.get("/api/v1/cases/?overdue=true")) == []
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=30)):
        assert len(_refs(client.get("/api/v1/cases/?overdue=true"))) == 3


@pytest.mark.parametrize(
    "query",
    [
        "ordering=contact__user__password",
        "ordering=requester_email",
        "ordering=-contact__user__password",
        "state=nonsense",
        "overdue=maybe",
        "created_after=yesterday",
        "cursor=not-a-cursor",
        "page_size=abc",
    ],
)
def test_bad_ordering_filter_or_cursor_is_a_400_whatever_the_data(world, query):
    response = world.client("coordinator").get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_unknown_query_parameters_are_ignored(world):
    client = world.client("coordinator")
    assert _refs(client.get("/api/v1/cases/?contact__user__password__startswith=p")) == _refs(
        client.get("/api/v1/cases/")
    )


def test_cursor_pagination_walks_every_case_once_in_every_allowed_order(world, coordinator):
    for _ in range(4):
        make_case(actor=coordinator)
    client = world.client("coordinator")
    from cases.api import ORDERINGS

    for ordering in ORDERINGS:
        seen, url = [], f"/api/v1/cases/?page_size=2&ordering={ordering}"
        while url:
            response = client.get(url)
            seen += _refs(response)
            url = response.json()["next"]
        assert len(seen) == len(set(seen)) == Case.objects.count(), ordering


def test_transitions_lists_what_the_caller_can_do_now(world):
    ref = world.case.reference
    coordinator = world.client("coordinator").get(f"/api/v1/cases/{ref}/transitions/").json()
    assert {t["name"] for t in coordinator["transitions"]} >= {
        "assign_contact",
        "record_meeting",
        "close",
        "decline",
    }
    contact = world.client("contact_b").get(f"/api/v1/cases/{ref}/transitions/").json()
    names = [t["name"] for t in contact["transitions"]]
    assert "record_meeting" in names and "close" not in names and "decline" not in names
    meeting = next(t for t in contact["transitions"] if t["name"] == "record_meeting")
    fields = {f["name"]: f for f in meeting["fields"]}
    assert fields["date"]["required"] and not fields["note"]["required"]
    registrar = world.client("registrar").get(f"/api/v1/cases/{ref}/transitions/").json()
    assert registrar["transitions"] == []


def test_transition_answers_200_400_403_409(world):
    url = f"/api/v1/cases/{world.case.reference}/transitions/"
    contact = world.client("contact_b")
    missing = contact.post(url, {"transition": "record_meeting"}, "json")
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"date", "notes"}
    forbidden = contact.post(
        url, {"transition": "close", "outcome": "other", "summary": "x"}, "json"
    )
    assert forbidden.status_code == 403
    wrong_state = contact.post(
        url, {"transition": "start_project", "title": "t", "summary": "s"}, "json"
    )
    assert wrong_state.status_code == 409
    stale = contact.post(
        url,
        {"transition": "record_meeting", "date": "2026-01-01", "notes": "n", "version": 1},
        "json",
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "conflict")
    ok = contact.post(
        url,
        {
            "transition": "record_meeting",
            "date": "2026-01-01",
            "notes": "n",
            "version": world.case.version,
            "state": "closed",  # ignored: the state is never written directly
        },
        "json",
    )
    assert ok.status_code == 200
    assert ok.json()["state"] == "meeting_held"
    events = world.client("registrar").get(f"/api/v1/cases/{world.case.reference}/events/")
    assert events.json()[-1]["transition"] == "record_meeting"


def test_notes_are_added_by_those_who_may_act(world):
    url = f"/api/v1/cases/{world.case.reference}/notes/"
    response = world.client("contact_b").post(url, {"text": "Ringde."}, "json")
    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    assert world.client("contact_b").post(url, {"text": ""}, "json").status_code == 400


def test_errors_have_one_shape_and_are_translated(world, client):
    sv = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="sv")
    en = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="en")
    assert sv.status_code == en.status_code == 401
    assert sv.json()["error"]["code"] == en.json()["error"]["code"] == "not_authenticated"
    assert sv.json()["error"]["message"] != en.json()["error"]["message"]
    for response in (
        client.get("/api/v1/no-such-endpoint/"),
        client.delete("/api/v1/requests/"),
        client.post("/api/v1/requests/", "{not json", content_type="application/json"),
        client.post("/api/v1/requests/", "a=b", content_type="application/x-www-form-urlencoded"),
    ):
        assert response.status_code in (404, 405, 400, 415)
        error = response.json()["error"]
        assert set(error) == {"code", "message", "fields"} and error["message"]
