"""The state machine definition: the process as the issue describes it, and a protected state."""

from __future__ import annotations

import pytest
from django_fsm import transition

from cases.forms import FORM_FIELDS
from cases.models import Case, CaseEvent
from cases.serializers import API_TYPES
from cases.services.transitions import CLEANERS
from tests.factories import make_case
from workflows.definition import (
    STATE_HELP,
    TRANSITION_NAMES,
    declared_transitions,
    requester_view,
    transitions,
    transitions_from,
)
from workflows.fields import Kind
from workflows.models import FINAL_STATES, OPEN_STATES, CaseWorkflow, State

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
        (
            "record_meeting",
            {"assigned", "coordinator"},
            ("date", "notes"),
            ("meeting", "meeting_outcome"),
        ),
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
    assert tuple(f.name for f in spec.fields if f.required) == required
    assert tuple(f.name for f in spec.fields if not f.required) == optional
    assert spec.public, "the requester is told about every step"


def test_every_transition_method_of_the_state_machine_is_in_the_definition():
    assert sorted(declared_transitions()) == sorted(TRANSITION_NAMES)
    assert list(transitions()) == list(TRANSITION_NAMES)


def test_a_transition_method_missing_from_the_definition_is_found():
    class Extended(CaseWorkflow):
        class Meta:
            abstract = True
            app_label = "workflows"

        @transition(field="state", source=State.RECEIVED, target=State.CLOSED)
        def fast_track(self) -> None:
            pass

    assert set(declared_transitions(Extended)) - set(TRANSITION_NAMES) == {"fast_track"}


def test_every_field_kind_has_a_form_field_a_cleaner_and_an_api_type():
    kinds = {f.kind for spec in transitions().values() for f in spec.inputs}

    assert kinds <= set(Kind.ALL)
    assert set(Kind.ALL) <= set(FORM_FIELDS) & set(CLEANERS) & set(API_TYPES)


@pytest.mark.parametrize(
    ("transition", "data", "seen"),
    [
        (
            "assign_contact",
            {"contact_name": "Anna", "contact_email": "a@hb.example"},
            {"contact_name": "Anna"},
        ),
        ("record_meeting", {"date": "2026-01-15", "notes": "Internt", "note": "x"}, {}),
        ("start_project", {"title": "Svinn", "summary": "Internt"}, {"title": "Svinn"}),
        ("close", {"outcome": "completed", "summary": "Klart"}, {"summary": "Klart"}),
        ("decline", {"reason": "Ingen tid", "note": "intern"}, {"reason": "Ingen tid"}),
        ("hand_back", {"reason": "Jag är sjuk"}, {}),
    ],
)
def test_the_requester_sees_only_the_public_fields_of_a_step(transition, data, seen):
    items = requester_view(transition, data)

    assert {item.name: item.value for item in items} == seen


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
