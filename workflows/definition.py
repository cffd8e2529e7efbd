"""Read-only views of the state machine, derived from `CaseWorkflow` itself."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _

from workflows.models import CaseWorkflow, State


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    actors: tuple[str, ...]
    fields: tuple[str, ...]
    optional: tuple[str, ...]
    public: bool

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.optional)


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
            optional=tuple(custom.get("optional", ())),
            public=custom["public"],
        )
    return result


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
