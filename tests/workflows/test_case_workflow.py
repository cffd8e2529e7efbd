"""The state machine definition: the process as the issue describes it, and a protected state."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent
from tests.factories import make_case
from workflows.definition import STATE_HELP, TRANSITION_NAMES, transitions, transitions_from
from workflows.models import FINAL_STATES, OPEN_STATES, State

CORE_STEPS = (
    "assign_contact",
    "record_meeting",
    "start_workshop",
    "start_project",
    "close",
    "decline",
    "withdraw",
    "reopen",
)


def test_the_process_has_exactly_the_eight_states_of_the_domain():
    assert set(State.values) == {
        "received",
        "contact_assigned",
        "meeting_held",
        "workshop",
        "project",
        "closed",
        "declined",
        "withdrawn",
    }
    assert set(OPEN_STATES) | set(FINAL_STATES) == set(State.values)
    assert not set(OPEN_STATES) & set(FINAL_STATES)


def test_every_state_has_a_plain_language_explanation_for_the_requester():
    assert set(STATE_HELP) == set(State)
    assert all(str(text).strip() for text in STATE_HELP.values())


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("received", {"assign_contact", "decline", "withdraw"}),
        ("contact_assigned", {"assign_contact", "record_meeting", "close", "decline", "withdraw"}),
        ("meeting_held", {"start_workshop", "start_project", "close", "withdraw"}),
        ("workshop", {"start_project", "close"}),
        ("project", {"close"}),
        ("closed", {"reopen"}),
        ("declined", {"reopen"}),
        ("withdrawn", {"reopen"}),
    ],
)
def test_steps_offered_in_each_state_match_the_process(state, names):
    # Later issues may add steps (e.g. handing a case back); these eight must stay as they are.
    core = {t.name for t in transitions_from(state)} & set(CORE_STEPS)
    assert core == names


@pytest.mark.parametrize(
    ("name", "actors", "required", "optional"),
    [
        ("assign_contact", {"coordinator"}, ("contact",), ()),
        ("record_meeting", {"assigned", "coordinator"}, ("date", "notes"), ()),
        ("start_workshop", {"assigned", "coordinator"}, ("date", "purpose"), ()),
        ("start_project", {"assigned", "coordinator"}, ("title", "summary"), ()),
        ("close", {"coordinator"}, ("outcome", "summary"), ()),
        ("decline", {"coordinator"}, ("reason",), ()),
        ("withdraw", {"requester"}, (), ("reason",)),
        ("reopen", {"coordinator"}, ("reason",), ()),
    ],
)
def test_each_step_names_who_acts_and_what_it_requires(name, actors, required, optional):
    spec = transitions()[name]

    assert set(spec.actors) == actors
    assert spec.required == required
    assert spec.optional == optional
    assert spec.public, "the requester is told about every step"


def test_every_transition_is_listed_once():
    assert list(transitions()) == list(TRANSITION_NAMES)


def test_state_cannot_be_set_directly(directory):
    case = make_case()

    with pytest.raises(AttributeError):
        case.state = State.CLOSED

    assert Case.objects.get(pk=case.pk).state == "received"


def test_case_events_cannot_be_changed_once_written(directory):
    case = make_case()
    event = CaseEvent.objects.get(case=case)
    event.to_state = "closed"

    with pytest.raises(ValueError, match="immutable"):
        event.save()

    assert CaseEvent.objects.get(pk=event.pk).to_state == "received"
