"""Races on PostgreSQL with real threads, each on its own database connection."""

from __future__ import annotations

import threading

from django.db import connection

from cases.actors import Actor
from cases.errors import CaseConflict
from cases.models import Case, CaseEvent
from cases.services import case_submit, case_transition
from tests.factories import make_case, request_data


def run_at_once(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; return each result or exception."""
    barrier = threading.Barrier(count, timeout=30)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test asserts on what each thread got
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection; leave none behind

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_two_coordinators_assigning_at_once_one_wins_and_one_gets_a_conflict(
    transactional_db, postgres, coordinator, contact_a, contact_b
):
    case = make_case()
    seen_version = case.version
    contacts = [contact_a, contact_b]

    results = run_at_once(
        2,
        lambda i: case_transition(
            case=case,
            name="assign_contact",
            actor=Actor.staff(coordinator),
            data={"contact": contacts[i].email},
            expected_version=seen_version,
        ),
    )

    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, CaseConflict)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert losers[0].status == 409
    stored = Case.objects.get(pk=case.pk)
    assert stored.contact == winners[0].contact
    assert stored.version == seen_version + 1
    events = CaseEvent.objects.filter(case=case, transition="assign_contact")
    assert events.count() == 1
    assert events.get().data["contact_email"] == stored.contact.email


def test_fifty_simultaneous_submissions_get_fifty_distinct_references(
    transactional_db, postgres, directory
):
    data = request_data()

    results = run_at_once(
        50,
        lambda i: case_submit(**{**data, "requester_email": f"person{i}@kommun.example"}),
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    references = [case.reference for case, _token in results]
    assert len(set(references)) == 50
    assert Case.objects.count() == 50
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(1, 51)), "the per-year sequence has no gaps or repeats"


def test_requester_withdrawing_while_coordinator_declines_leaves_one_final_state(
    transactional_db, postgres, coordinator, directory
):
    case = make_case()

    def act(i: int):
        if i == 0:
            return case_transition(case=case, name="withdraw", actor=Actor.requester(), data={})
        return case_transition(
            case=case, name="decline", actor=Actor.staff(coordinator), data={"reason": "Ingen tid."}
        )

    results = run_at_once(2, act)

    assert sum(isinstance(r, Case) for r in results) == 1, results
    stored = Case.objects.get(pk=case.pk)
    assert stored.state in ("withdrawn", "declined")
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1
