"""The intake service: its rules hold for every caller, the reference is set last, and the
receipt is rendered when it is sent and keeps no token once delivered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.errors import CaseValidationError
from cases.models import Case, CaseEvent, ReferenceCounter
from cases.services import case_submit
from directory.models import Area, CollaborationForm, Municipality
from notifications.models import OutboxMessage
from notifications.services import message_deliver
from tests.api.test_permission_matrix import SUBMISSION
from tests.conftest import body_of
from tests.factories import request_data
from workflows.models import ReminderKind, ReminderRule


def refused(**overrides) -> dict[str, list[str]]:
    with pytest.raises(CaseValidationError) as caught:
        case_submit(**request_data(**overrides))
    return caught.value.fields


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"areas": []}, "areas"),
        ({"consent": False}, "consent"),
        ({"title": "   "}, "title"),
        ({"requester_name": "Eva\nBcc: victim@example.com"}, "requester_name"),
        ({"timeframe": "våren\r\n2027"}, "timeframe"),
    ],
)
def test_service_refuses_a_request_that_breaks_an_intake_rule_and_writes_nothing(
    directory, overrides, field
):
    fields = refused(**overrides)

    assert set(fields) == {field}
    assert all(isinstance(message, str) and message for message in fields[field])
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert not ReferenceCounter.objects.exists(), "no number was taken"


def test_service_reports_every_broken_rule_at_once_in_swedish(directory):
    fields = refused(areas=[], consent=False, title="")

    assert set(fields) == {"areas", "consent", "title"}
    assert fields["consent"] == ["Du måste godkänna behandlingen av personuppgifter."]


def test_dont_know_instead_of_areas_is_accepted_by_the_service(directory):
    case, _token = case_submit(**request_data(areas=[], area_unknown=True))

    assert case.areas.count() == 0


def test_inactive_municipality_or_area_is_refused_by_the_service(directory):
    Municipality.objects.filter(code="1490").update(active=False)
    Area.objects.filter(slug="resursatervinning").update(active=False)

    fields = refused(
        municipality=Municipality.objects.get(code="1490"),
        areas=[Area.objects.get(slug="resursatervinning")],
    )

    assert set(fields) == {"municipality", "areas"}


def test_the_created_event_names_the_requester(directory):
    case, _token = case_submit(**request_data())

    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor_id, event.actor_label) == ("created", None, "requester")


def test_reference_is_allocated_last_so_the_counter_is_locked_only_until_the_commit(directory):
    with CaptureQueriesContext(connection) as queries:
        case, _token = case_submit(**request_data())

    statements = [q["sql"] for q in queries.captured_queries]
    counter = next(i for i, sql in enumerate(statements) if "cases_referencecounter" in sql)
    # The same statement sets the reference on the case (one round trip with the lock held),
    # then only the end of the (durable) intake block.
    assert 'UPDATE "cases_case" SET reference' in statements[counter], statements[counter]
    after = statements[counter + 1 :]
    assert all("SAVEPOINT" in sql or sql == "COMMIT" for sql in after), after
    assert case.reference == Case.objects.get().reference == f"AK-{case.created_at.year}-0001"


def test_many_areas_and_forms_are_stored_with_one_insert_each(directory):
    areas, forms = list(Area.objects.all()[:4]), list(CollaborationForm.objects.all()[:3])

    with CaptureQueriesContext(connection) as queries:
        case, _token = case_submit(**request_data(areas=areas, forms=forms))

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert sum('"cases_case_areas"' in sql for sql in inserts) == 1
    assert sum('"cases_case_forms"' in sql for sql in inserts) == 1
    assert set(case.areas.all()) == set(areas) and set(case.forms.all()) == set(forms)


def test_an_area_named_twice_is_linked_once(directory):
    area = Area.objects.get(slug="resursatervinning")

    case, _token = case_submit(**request_data(areas=[area, area]))

    assert list(case.areas.all()) == [area]


def test_receipt_is_rendered_when_sent_and_keeps_no_token_once_delivered(directory, smtp_sink):
    case, token = case_submit(**request_data())
    queued = OutboxMessage.objects.get(kind="receipt", case_id=case.pk)
    assert (queued.subject, queued.body_text) == ("", ""), "nothing is rendered in the request"

    assert message_deliver(message_id=queued.pk) == "sent"

    [email] = smtp_sink.messages
    assert case.reference in email["Subject"]
    assert f"http://testserver/track/{token}/" in body_of(email)
    delivered = OutboxMessage.objects.get(pk=queued.pk)
    assert token not in delivered.body_text + delivered.body_html
    assert token not in str(delivered.context), "the context lost the token on delivery"
    assert case.reference in delivered.subject, "the timeline still shows what was sent"


def test_receipt_that_failed_for_now_keeps_its_token_for_the_next_attempt(directory, smtp_sink):
    case, token = case_submit(**request_data())
    queued = OutboxMessage.objects.get(kind="receipt", case_id=case.pk)
    smtp_sink.mode = "tempfail"

    assert message_deliver(message_id=queued.pk) == "retry"

    assert token in OutboxMessage.objects.get(pk=queued.pk).body_text


@pytest.fixture
def api(settings):
    settings.API_SUBMIT_RATE = "1000/minute"
    return APIClient()


def test_api_submission_breaking_a_rule_is_a_400_with_the_field_from_the_service(directory, api):
    response = api.post("/api/v1/requests/", SUBMISSION | {"consent": False}, "json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"consent"}
    assert Case.objects.count() == 0


def test_api_submission_without_areas_or_dont_know_is_refused(directory, api):
    data = SUBMISSION | {"areas": [], "forms": ["examensarbete"]}

    response = api.post("/api/v1/requests/", data, "json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"areas"}


def test_the_receipt_is_queued_with_one_insert_and_no_savepoint(directory):
    with CaptureQueriesContext(connection) as queries:
        case, _token = case_submit(**request_data())

    statements = [q["sql"] for q in queries.captured_queries]
    receipt = next(i for i, sql in enumerate(statements) if "notifications_outboxmessage" in sql)
    assert statements[receipt].startswith("INSERT")
    assert "SAVEPOINT" not in statements[receipt - 1] + statements[receipt + 1]
    assert OutboxMessage.objects.get().key == f"receipt:{case.pk}"


def test_receipt_and_coordinators_notices_are_queued_by_one_insert(directory, coordinator):
    with CaptureQueriesContext(connection) as queries:
        case, _token = case_submit(**request_data())

    inserts = [
        q["sql"] for q in queries.captured_queries if '"notifications_outboxmessage"' in q["sql"]
    ]
    assert len(inserts) == 1
    queued = OutboxMessage.objects.filter(case_id=case.pk)
    assert sorted(queued.values_list("key", "recipient")) == [
        (f"new_request:{case.pk}:{coordinator.pk}", coordinator.email),
        (f"receipt:{case.pk}", case.requester_email),
    ]


def test_a_reminder_rule_changed_by_an_administrator_applies_to_the_next_submission(directory):
    first, _token = case_submit(**request_data())  # the rules are now cached
    rule = ReminderRule.objects.get(kind=ReminderKind.WAITING, state="received", active=True)
    rule.after_working_days += 5
    rule.save()  # as the admin and the API save it

    second, _token = case_submit(**request_data())

    assert second.next_reminder_at > first.next_reminder_at


def test_an_area_retired_after_the_caller_resolved_it_is_refused_and_nothing_is_written(
    directory,
):
    # The form resolves areas from a per-process copy of the directory; the insert of the
    # links is what checks that they are still active.
    area = Area.objects.get(slug="resursatervinning")
    Area.objects.filter(pk=area.pk).update(active=False)

    fields = refused(areas=[area])

    assert fields == {"areas": ["Välj områden i listan."]}
    assert not Case.objects.exists() and not OutboxMessage.objects.exists()
    assert not ReferenceCounter.objects.exists()


def test_a_form_retired_after_the_caller_resolved_it_is_refused(directory):
    form = CollaborationForm.objects.first()
    CollaborationForm.objects.filter(pk=form.pk).update(active=False)

    assert set(refused(forms=[form])) == {"forms"}
    assert not Case.objects.exists()
