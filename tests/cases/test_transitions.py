"""The one transition service: every transition, allowed and refused, by role and by state."""

from __future__ import annotations

import pytest

from cases.actors import Actor
from cases.errors import ActionForbidden, CaseValidationError, TransitionNotAllowed
from cases.models import Case, CaseAssignment, CaseEvent, EventKind
from cases.services import case_transition
from tests.factories import make_case, make_user

# How to reach each state from "received", acting as a coordinator ("withdraw" as requester).
PATH_TO = {
    "received": (),
    "contact_assigned": ("assign_contact",),
    "meeting_held": ("assign_contact", "record_meeting"),
    "workshop": ("assign_contact", "record_meeting", "start_workshop"),
    "project": ("assign_contact", "record_meeting", "start_project"),
    "closed": ("assign_contact", "close"),
    "declined": ("decline",),
    "withdrawn": ("withdraw",),
}

# The process as the issue states it: transition -> (source states, target state).
PROCESS = {
    "assign_contact": ({"received", "contact_assigned"}, "contact_assigned"),
    "hand_back": ({"contact_assigned"}, "received"),
    "record_meeting": ({"contact_assigned"}, "meeting_held"),
    "start_workshop": ({"meeting_held"}, "workshop"),
    "start_project": ({"meeting_held", "workshop"}, "project"),
    "close": ({"contact_assigned", "meeting_held", "workshop", "project"}, "closed"),
    "decline": ({"received", "contact_assigned"}, "declined"),
    "withdraw": ({"received", "contact_assigned", "meeting_held"}, "withdrawn"),
    "reopen": ({"closed", "declined", "withdrawn"}, "received"),
}

# Who may perform each transition.
ALLOWED_ROLES = {
    "assign_contact": {"coordinator", "admin"},
    "hand_back": {"assigned_contact"},
    "record_meeting": {"coordinator", "admin", "assigned_contact"},
    "start_workshop": {"coordinator", "admin", "assigned_contact"},
    "start_project": {"coordinator", "admin", "assigned_contact"},
    "close": {"coordinator", "admin"},
    "decline": {"coordinator", "admin"},
    "withdraw": {"requester"},
    "reopen": {"coordinator", "admin"},
}
ROLES = (
    "coordinator",
    "admin",
    "assigned_contact",
    "other_contact",
    "registrar",
    "requester",
    "anonymous",
)

# A source state per transition where a contact person is assigned, so that "assigned
# contact" is a meaningful role for every transition.
STATE_WITH_CONTACT = {
    "assign_contact": "contact_assigned",
    "hand_back": "contact_assigned",
    "record_meeting": "contact_assigned",
    "start_workshop": "meeting_held",
    "start_project": "workshop",
    "close": "project",
    "decline": "contact_assigned",
    "withdraw": "meeting_held",
    "reopen": "closed",
}

PAYLOAD = {
    "assign_contact": {"contact": "johan.ek@hb.example"},
    "hand_back": {"reason": "Jag har inte tid i vår."},
    "record_meeting": {"date": "2026-01-20", "notes": "Vi träffades i Tranemo."},
    "start_workshop": {"date": "2026-03-01", "purpose": "Skissa projektet."},
    "start_project": {"title": "Matsvinn 2.0", "summary": "Studenter mäter svinnet."},
    "close": {"outcome": "completed", "summary": "Projektet levererade."},
    "decline": {"reason": "Ingen forskare har tid i år."},
    "withdraw": {"reason": "Vi löste det själva."},
    "reopen": {"reason": "Nytt underlag kom in."},
}


def case_in(state: str, *, coordinator, contact):
    """A case in `state`, walked there through the real service."""
    steps = PATH_TO[state]
    if steps == ("withdraw",):
        case = make_case(contact=contact)
        token = case.token
        case = case_transition(case=case, name="withdraw", actor=Actor.requester(), data={})
        case.token = token
        return case
    return make_case(steps=steps, actor=coordinator, contact=contact)


def perform(case, name: str, role: str, users: dict):
    if role == "requester":
        return case_transition(case=case, name=name, actor=Actor.requester(), data=PAYLOAD[name])
    return case_transition(
        case=case, name=name, actor=Actor.staff(users.get(role)), data=PAYLOAD[name]
    )


@pytest.fixture
def users(coordinator, registrar, contact_user_a, contact_user_b):
    return {
        "coordinator": coordinator,
        "admin": make_user("admin"),
        "assigned_contact": contact_user_a,
        "other_contact": contact_user_b,
        "registrar": registrar,
        "anonymous": None,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PROCESS))
def test_each_transition_is_performed_only_by_the_roles_allowed_to(
    name, role, users, coordinator, contact_a
):
    case = case_in(STATE_WITH_CONTACT[name], coordinator=coordinator, contact=contact_a)
    before_state, before_version = case.state, case.version
    before_events = CaseEvent.objects.filter(case=case).count()

    if role in ALLOWED_ROLES[name]:
        updated = perform(case, name, role, users)

        stored = Case.objects.get(pk=case.pk)
        assert stored.state == updated.state == PROCESS[name][1]
        assert stored.version == before_version + 1
        event = CaseEvent.objects.filter(case=case).latest("id")
        assert event.kind == EventKind.TRANSITION
        assert event.transition == name
        assert (event.from_state, event.to_state) == (before_state, PROCESS[name][1])
        if role == "requester":
            assert event.actor is None
            assert event.actor_label == "requester"
        else:
            assert event.actor == users[role]
        for key, value in PAYLOAD[name].items():
            if key == "contact":
                assert event.data["contact_email"] == value
            else:
                assert event.data[key] == value
    else:
        with pytest.raises(ActionForbidden) as refused:
            perform(case, name, role, users)
        assert refused.value.status == 403
        stored = Case.objects.get(pk=case.pk)
        assert (stored.state, stored.version) == (before_state, before_version)
        assert CaseEvent.objects.filter(case=case).count() == before_events


@pytest.mark.parametrize("state", list(PATH_TO))
@pytest.mark.parametrize("name", list(PROCESS))
def test_each_transition_is_possible_only_from_its_source_states(
    name, state, coordinator, contact_a, contact_user_a
):
    case = case_in(state, coordinator=coordinator, contact=contact_a)
    sources, target = PROCESS[name]
    role_kwargs = {"actor": Actor.requester() if name == "withdraw" else Actor.staff(coordinator)}
    if name == "hand_back":
        role_kwargs = {"actor": Actor.staff(contact_user_a)}
    events_before = CaseEvent.objects.filter(case=case).count()

    if state in sources:
        updated = case_transition(case=case, name=name, data=PAYLOAD[name], **role_kwargs)
        assert updated.state == target
        assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    else:
        # With nobody assigned, nobody may hand back: the policy answers before the state machine.
        refusal = ActionForbidden if name == "hand_back" and not case.contact_id else None
        with pytest.raises(refusal or TransitionNotAllowed) as refused:
            case_transition(case=case, name=name, data=PAYLOAD[name], **role_kwargs)
        assert refused.value.status == (403 if refusal else 409)
        assert Case.objects.get(pk=case.pk).state == state
        assert CaseEvent.objects.filter(case=case).count() == events_before


def test_reassigning_a_contact_is_logged_as_reassignment_and_ends_the_old_assignment(
    coordinator, contact_a, contact_b
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)

    case = case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_b.email},
    )

    assert case.state == "contact_assigned"
    assert case.contact == contact_b
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.from_state == event.to_state == "contact_assigned"
    assert event.data["reassigned_from"] == contact_a.name
    assert event.data["contact_name"] == contact_b.name
    assignments = CaseAssignment.objects.filter(case=case).order_by("id")
    assert [(a.contact, a.ended_at is None) for a in assignments] == [
        (contact_a, False),
        (contact_b, True),
    ]


def test_former_contact_can_no_longer_act_after_reassignment(
    coordinator, contact_a, contact_b, contact_user_a
):
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)
    case_transition(
        case=case,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_b.email},
    )

    with pytest.raises(ActionForbidden):
        case_transition(
            case=case,
            name="record_meeting",
            actor=Actor.staff(contact_user_a),
            data=PAYLOAD["record_meeting"],
        )


@pytest.mark.parametrize(
    ("name", "state", "data", "field"),
    [
        ("assign_contact", "received", {}, "contact"),
        ("assign_contact", "received", {"contact": "nobody@hb.example"}, "contact"),
        ("record_meeting", "contact_assigned", {"date": "2026-01-20"}, "notes"),
        ("record_meeting", "contact_assigned", {"date": "15/1", "notes": "x"}, "date"),
        ("record_meeting", "contact_assigned", {"date": "2999-01-01", "notes": "x"}, "date"),
        ("start_workshop", "meeting_held", {"date": "2026-03-01", "purpose": "  "}, "purpose"),
        ("start_project", "meeting_held", {"summary": "Ingen titel"}, "title"),
        ("close", "project", {"outcome": "great", "summary": "x"}, "outcome"),
        ("decline", "received", {"reason": ""}, "reason"),
        ("reopen", "closed", {}, "reason"),
        ("decline", "received", {"reason": "x" * 10_001}, "reason"),
    ],
)
def test_transition_with_missing_or_bad_data_is_refused_with_the_field_named(
    name, state, data, field, coordinator, contact_a
):
    case = case_in(state, coordinator=coordinator, contact=contact_a)

    with pytest.raises(CaseValidationError) as refused:
        case_transition(case=case, name=name, actor=Actor.staff(coordinator), data=data)

    assert refused.value.status == 400
    assert field in refused.value.fields
    assert Case.objects.get(pk=case.pk).state == state


def test_assigning_an_inactive_contact_is_refused(coordinator, contact_a, contact_b):
    contact_b.active = False
    contact_b.save(update_fields=["active"])
    case = make_case()

    with pytest.raises(CaseValidationError) as refused:
        case_transition(
            case=case,
            name="assign_contact",
            actor=Actor.staff(coordinator),
            data={"contact": contact_b.email},
        )

    assert "contact" in refused.value.fields
    assert Case.objects.get(pk=case.pk).contact is None


def test_withdraw_reason_is_optional_for_the_requester(directory):
    case = make_case()

    case = case_transition(case=case, name="withdraw", actor=Actor.requester(), data={})

    assert case.state == "withdrawn"
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.actor_label == "requester"
    assert event.public


def test_deactivated_coordinator_can_no_longer_transition(coordinator, directory):
    case = make_case()
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])

    with pytest.raises(ActionForbidden):
        case_transition(
            case=case, name="decline", actor=Actor.staff(coordinator), data=PAYLOAD["decline"]
        )


def test_unknown_transition_is_refused_as_invalid(coordinator, directory):
    case = make_case()

    with pytest.raises(CaseValidationError):
        case_transition(case=case, name="approve", actor=Actor.staff(coordinator), data={})
