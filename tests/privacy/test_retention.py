"""Retention: requesters' personal data is anonymised a configurable time after a case ended;
the case stays for statistics; every run is logged; --dry-run changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import Action, AuditEntry
from cases import selectors as case_selectors
from cases.actors import Actor
from cases.models import Case, CaseEvent
from cases.services import case_transition
from notifications.models import OutboxMessage, OutboxStatus
from privacy.models import RetentionRun
from privacy.services import retention_apply
from tests.factories import make_case

pytestmark = pytest.mark.django_db

MONTH = timedelta(days=31)


def ended_ago(case: Case, months: float) -> Case:
    Case.objects.filter(pk=case.pk).update(state_changed_at=timezone.now() - months * MONTH)
    case.refresh_from_db()
    return case


def withdraw(case: Case, reason: str) -> Case:
    return case_transition(
        case=case, name="withdraw", actor=Actor.requester(), data={"reason": reason}
    )


@pytest.fixture
def cases(directory, coordinator):
    old_closed = ended_ago(
        make_case(
            steps=("assign_contact", "record_meeting", "close"),
            actor=coordinator,
            requester_name="Gammal Avslutad",
            requester_email="gammal@boras.example",
            requester_phone="033-123456",
            timeframe="Hösten 2024",
        ),
        25,
    )
    old_withdrawn = ended_ago(
        withdraw(make_case(requester_name="Ångrad Person"), "Vi löste det själva, ring Eva"), 26
    )
    recent_declined = ended_ago(
        make_case(steps=("decline",), actor=coordinator, requester_name="Ny Avböjd"), 23
    )
    old_open = make_case(requester_name="Öppen Sedan Länge")
    Case.objects.filter(pk=old_open.pk).update(
        created_at=timezone.now() - 30 * MONTH, state_changed_at=timezone.now() - 30 * MONTH
    )
    return {
        "old_closed": old_closed,
        "old_withdrawn": old_withdrawn,
        "recent_declined": recent_declined,
        "old_open": old_open,
    }


def test_retention_anonymises_exactly_the_ended_cases_older_than_the_limit(cases, coordinator):
    before = {name: Case.objects.get(pk=c.pk) for name, c in cases.items()}
    token = cases["old_closed"].token

    result = retention_apply(trigger="job")

    assert sorted(result.references) == sorted(
        [cases["old_closed"].reference, cases["old_withdrawn"].reference]
    )
    for name in ("old_closed", "old_withdrawn"):
        case = Case.objects.get(pk=cases[name].pk)
        was = before[name]
        assert case.anonymised_at is not None
        for personal in (
            "requester_name",
            "requester_role",
            "requester_email",
            "requester_phone",
            "description",
            "timeframe",
        ):
            assert getattr(case, personal) == "", personal
        # The statistics stay.
        assert (case.reference, case.state, case.municipality_id, case.created_at) == (
            was.reference,
            was.state,
            was.municipality_id,
            was.created_at,
        )
        assert case.state_changed_at == was.state_changed_at
        assert list(case.areas.values_list("slug", flat=True)) == ["resursatervinning"]
    # The outcome of the closed case is still there for the registry export.
    exported = case_selectors.case_export(Case.objects.filter(pk=cases["old_closed"].pk)).get()
    assert exported.outcome == "completed"
    # What the requester wrote in the timeline is gone; the tracking link finds nothing.
    withdrawal = CaseEvent.objects.get(case=cases["old_withdrawn"], transition="withdraw")
    assert withdrawal.data == {}
    assert case_selectors.case_for_token(token=token) is None
    # The others are untouched.
    for name in ("recent_declined", "old_open"):
        case = Case.objects.get(pk=cases[name].pk)
        assert case.anonymised_at is None
        assert case.requester_name == before[name].requester_name
        assert case.requester_email == "eva.ek@boras.example"
    # The run is logged: when, how many, which, by what.
    run = RetentionRun.objects.get()
    assert (run.cases, run.dry_run, run.trigger) == (2, False, "job")
    assert run.removed["cases"] == 2 and run.removed["events"] == 1
    entry = AuditEntry.objects.get(action=Action.RETENTION_RUN)
    assert entry.details["cases"] == 2 and entry.actor_label == "job"


def test_a_second_run_finds_nothing_more_to_do(cases):
    retention_apply(trigger="job")
    again = retention_apply(trigger="job")
    assert again.references == []
    assert RetentionRun.objects.order_by("id").last().cases == 0


def test_retention_time_can_differ_per_outcome(cases, settings):
    settings.RETENTION_MONTHS_BY_STATE = {"declined": 12, "withdrawn": 36}
    result = retention_apply(trigger="job")
    # declined after 12 months (23 ago: due), withdrawn after 36 (26 ago: not yet), closed 24.
    assert sorted(result.references) == sorted(
        [cases["recent_declined"].reference, cases["old_closed"].reference]
    )


def test_dry_run_prints_what_would_go_and_changes_nothing(cases):
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert "Would anonymise 2 case(s)" in printed
    assert cases["old_closed"].reference in printed
    assert cases["old_withdrawn"].reference in printed
    assert cases["recent_declined"].reference not in printed
    assert not Case.objects.filter(anonymised_at__isnull=False).exists()
    assert Case.objects.get(pk=cases["old_closed"].pk).requester_name == "Gammal Avslutad"
    run = RetentionRun.objects.get()
    assert run.dry_run and run.cases == 2 and run.trigger == "command"


def test_the_command_without_dry_run_anonymises(cases):
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Run " in out.getvalue() and "2 case(s) anonymised" in out.getvalue()
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 2


def test_an_anonymised_case_is_never_mailed_again(
    cases, coordinator, django_capture_on_commit_callbacks
):
    case = cases["old_closed"]
    OutboxMessage.objects.filter(case_id=case.pk).update(status=OutboxStatus.SENT)
    unsent = OutboxMessage.objects.create(
        key="test:unsent",
        case_id=case.pk,
        kind="status",
        recipient="gammal@boras.example",
        subject="Ditt ärende",
        body_text="Hej Gammal Avslutad, ...",
        next_attempt_at=timezone.now(),
    )

    retention_apply(trigger="job")

    unsent.refresh_from_db()
    assert unsent.status == OutboxStatus.CANCELLED
    rows = OutboxMessage.objects.filter(case_id=case.pk)
    assert all(r.body_text == "" and r.body_html == "" for r in rows)
    assert not rows.filter(recipient__iexact="gammal@boras.example").exists()
    # Reopened later by a coordinator: the requester (no address any more) is not written to.
    sent_before = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case=Case.objects.get(pk=case.pk),
            name="reopen",
            actor=Actor.staff(coordinator),
            data={"reason": "Felaktigt avslutad"},
        )
    assert not OutboxMessage.objects.filter(recipient="").exists()
    assert OutboxMessage.objects.count() == sent_before


def test_registered_holders_erase_in_the_same_run(cases, clean_registry):
    seen: list[list[int]] = []
    clean_registry.register("messages", eraser=lambda ids: seen.append(sorted(ids)) or len(ids))

    run = retention_apply(trigger="job").run

    assert seen == [sorted([cases["old_closed"].pk, cases["old_withdrawn"].pk])]
    assert run.removed["messages"] == 2


def test_audit_entries_older_than_the_limit_go_with_the_same_job(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = AuditEntry.objects.create(action=Action.LOGIN, actor_label="a@hb.example")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    recent = AuditEntry.objects.create(action=Action.LOGIN, actor_label="b@hb.example")

    run = retention_apply(trigger="job").run

    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert run.removed["audit"] == 1
    assert AuditEntry.objects.filter(action=Action.AUDIT_PRUNED).get().details["removed"] == 1


def test_the_public_privacy_notice_states_the_retention_time(client, settings):
    settings.RETENTION_MONTHS = 18
    html = client.get("/privacy/").content.decode()
    assert "anonymiseras 18 månader efter att ärendet avslutats" in html


def test_the_case_page_of_an_anonymised_case_says_so(client, cases, coordinator):
    retention_apply(trigger="job")
    client.force_login(coordinator)
    html = client.get(f"/staff/cases/{cases['old_closed'].reference}/").content.decode()
    assert "Personuppgifterna togs bort" in html
    assert "Gammal Avslutad" not in html and "gammal@boras.example" not in html


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RETENTION_MONTHS", "0"),
        ("RETENTION_MONTHS", "två år"),
        ("RETENTION_MONTHS_BY_STATE", "received=12"),
        ("RETENTION_MONTHS_BY_STATE", "declined=snart"),
        ("AUDIT_RETENTION_DAYS", "0"),
    ],
)
def test_a_bad_retention_setting_stops_start_up_with_its_name(name, value, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path),
        name: value,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"Environment variable {name}" in result.stderr


def test_a_case_whose_eraser_fails_is_recorded_and_does_not_stop_the_others(cases, clean_registry):
    bad = cases["old_withdrawn"].pk

    def erase(case_ids: list[int]) -> int:
        if bad in case_ids:
            raise RuntimeError("storage down")
        return len(case_ids)

    clean_registry.register("files", eraser=erase)

    run = retention_apply(trigger="job").run

    assert run.references == [cases["old_closed"].reference]
    assert run.failed == [cases["old_withdrawn"].reference]
    assert run.removed["files"] == 1
    failed_case = Case.objects.get(pk=bad)
    assert failed_case.anonymised_at is None and failed_case.requester_name == "Ångrad Person"
    # The next run, with the storage back, takes it.
    clean_registry.register("files", eraser=lambda ids: len(ids))
    assert retention_apply(trigger="job").references == [cases["old_withdrawn"].reference]
