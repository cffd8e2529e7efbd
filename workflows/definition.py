"""Read-only views of the state machine, derived from `CaseWorkflow` itself."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from workflows.fields import NOTE, FieldSpec, Kind
from workflows.models import CaseWorkflow, State

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    label: StrOrPromise
    sources: tuple[str, ...]
    target: str
    actors: tuple[str, ...]
    # The transition's own fields; `inputs` adds the internal note every step offers.
    fields: tuple[FieldSpec, ...]
    public: bool

    @property
    def inputs(self) -> tuple[FieldSpec, ...]:
        return (*self.fields, NOTE)


# The order in which transitions are offered and listed.
TRANSITION_NAMES = (
    "assign_contact",
    "hand_back",
    "record_meeting",
    "start_workshop",
    "start_project",
    "close",
    "decline",
    "withdraw",
    "reopen",
)


@cache
def transitions() -> dict[str, TransitionSpec]:
    result = {}
    for name in TRANSITION_NAMES:
        meta = getattr(CaseWorkflow, name)._django_fsm
        first = next(iter(meta.transitions.values()))
        custom = first.custom
        result[name] = TransitionSpec(
            name=name,
            label=custom["label"],
            sources=tuple(meta.transitions),
            target=first.target,
            actors=tuple(custom["actors"]),
            fields=tuple(custom["fields"]),
            public=custom["public"],
        )
    return result


def declared_transitions(model: type = CaseWorkflow) -> list[str]:
    """Every @transition method of `model`, in declaration order (django-fsm marks them)."""
    return [
        name
        for klass in reversed(model.__mro__)
        for name, attr in vars(klass).items()
        if hasattr(attr, "_django_fsm")
    ]


def all_fields() -> dict[str, list[tuple[TransitionSpec, FieldSpec]]]:
    """Field name -> the transitions that ask for it (the API's one request body lists each)."""
    result: dict[str, list[tuple[TransitionSpec, FieldSpec]]] = {}
    for spec in transitions().values():
        for field in spec.inputs:
            result.setdefault(field.name, []).append((spec, field))
    return result


@dataclass(frozen=True)
class PublicItem:
    name: str
    label: StrOrPromise
    value: str


def requester_view(transition: str, data: dict[str, Any]) -> list[PublicItem]:
    """What the requester may see of an event's data: the fields marked `public`, and only
    those, of a public transition. The tracking page, the API and the status email use this."""
    spec = transitions().get(transition)
    if spec is None or not spec.public:
        return []
    items = []
    for field in spec.fields:
        if not field.public:
            continue
        # A contact person is stored as id, name and email; the requester is shown the name.
        key = f"{field.name}_name" if field.kind == Kind.CONTACT else field.name
        value = data.get(key)
        if value:
            items.append(PublicItem(name=key, label=field.label, value=str(value)))
    return items


@dataclass(frozen=True)
class StaffItem:
    name: str
    label: StrOrPromise
    value: str
    public: bool  # the requester sees it too


def staff_view(transition: str, data: dict[str, Any]) -> list[StaffItem]:
    """What the staff see of an event's data: every field of the transition, the internal note
    included, each with its label. A choice shows its label, a contact person their name."""
    spec = transitions().get(transition)
    if spec is None:
        return []
    items = []
    for field in spec.inputs:
        key = f"{field.name}_name" if field.kind == Kind.CONTACT else field.name
        value = data.get(key)
        if value in (None, ""):
            continue
        shown = dict(field.choices).get(value, value) if field.kind == Kind.CHOICE else value
        items.append(
            StaffItem(
                name=key, label=field.label, value=str(shown), public=spec.public and field.public
            )
        )
    return items


def transitions_from(state: str) -> list[TransitionSpec]:
    return [t for t in transitions().values() if state in t.sources]


# Plain-language descriptions for the requester and the public process page.
STATE_HELP = {
    State.RECEIVED: _(
        "Your request has been received. A coordinator reads it and finds the right contact "
        "person at the university, usually within two working days."
    ),
    State.CONTACT_ASSIGNED: _(
        "A contact person at the university has been assigned and will contact you to book a "
        "first meeting."
    ),
    State.MEETING_HELD: _(
        "You have met. Next, you and the contact person decide on a workshop, a project, or "
        "another form of collaboration."
    ),
    State.WORKSHOP: _("A workshop is planned or held to shape the collaboration."),
    State.PROJECT: _("The collaboration runs as a project."),
    State.CLOSED: _("The case is finished."),
    State.DECLINED: _("The university cannot help with this request. The reason is given below."),
    State.WITHDRAWN: _("You withdrew the request."),
}

# The public guide ("how it works"), for a municipal officer before they ask: what happens in
# each state. Which states are steps, their order, who acts and what follows come from the
# state machine; only these sentences are written by hand.
STATE_GUIDE = {
    State.RECEIVED: _(
        "You send a request through the form. You get a reference number and a private link "
        "where you can follow it. A coordinator reads it and finds the right person."
    ),
    State.CONTACT_ASSIGNED: _(
        "A researcher or teacher who knows the area becomes your contact person and gets in "
        "touch with you to book a first meeting."
    ),
    State.MEETING_HELD: _(
        "You meet, on site or online, and talk the need through. Together you decide whether "
        "a workshop, a project or another form of collaboration fits."
    ),
    State.WORKSHOP: _(
        "People from the municipality and the university meet in a workshop to shape the "
        "collaboration: the question, who takes part and what it should lead to."
    ),
    State.PROJECT: _(
        "The collaboration runs, for example as a degree project, a student project, contract "
        "education or joint research. When it is done, the case is closed with an outcome."
    ),
    State.CLOSED: _(
        "The collaboration is finished, or the talks ended without one. The case is closed "
        "with an outcome and a short summary that you can read through your link."
    ),
    State.DECLINED: _(
        "The university cannot help with the request, for example when no one works in the "
        "area. You are told why, and the reason is shown through your link."
    ),
    State.WITHDRAWN: _(
        "You no longer need help and withdraw the request yourself through your link. The "
        "coordinators and your contact person are told by email."
    ),
}
