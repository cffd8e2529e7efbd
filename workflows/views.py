"""The public "how it works" page: a guide generated from the state machine itself.

The open states, in their declared order, are the steps; the final states are the ways a case
ends, explained apart and not numbered. Who acts and what follows come from the transitions,
so the guide cannot describe a process the system does not run.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from workflows.definition import STATE_GUIDE, TransitionSpec, transitions
from workflows.models import ASSIGNED, COORDINATOR, FINAL_STATES, OPEN_STATES, REQUESTER, State

ACTOR_LABELS = {
    COORDINATOR: _("a coordinator"),
    ASSIGNED: _("the contact person"),
    REQUESTER: _("you, the requester"),
}
# What a municipality should expect; a guide, not a promise. Final states have no duration.
TYPICAL_TIME = {
    State.RECEIVED: _("1–2 working days"),
    State.CONTACT_ASSIGNED: _("1–2 weeks until the first meeting"),
    State.MEETING_HELD: _("2–4 weeks"),
    State.WORKSHOP: _("1–2 months"),
    State.PROJECT: _("from a few months to a few years, depending on the form"),
}


@dataclass(frozen=True)
class Move:
    """A transition as the guide tells it: its label, where it leads and who takes it."""

    spec: TransitionSpec
    target: State
    actors: list[str]


@dataclass(frozen=True)
class GuideStep:
    state: State
    text: str
    typical_time: str
    optional: bool  # a later step can be reached without this one
    next: list[Move]


@dataclass(frozen=True)
class Ending:
    state: State
    text: str
    via: list[Move]  # the transitions that end a case this way, and who takes them
    from_steps: list[State]  # the steps it can end from
    reopen: list[Move]


def _move(spec: TransitionSpec) -> Move:
    return Move(
        spec=spec,
        target=State(spec.target),
        actors=[str(ACTOR_LABELS.get(a, a)) for a in spec.actors],
    )


def process_guide() -> tuple[list[GuideStep], list[Ending]]:
    """The steps (open states) with the moves forward, and the endings (final states).

    Only public transitions are told: an internal one (a contact person handing a case back)
    changes nothing the municipality sees.
    """
    specs = [spec for spec in transitions().values() if spec.public]
    path = [state.value for state in OPEN_STATES]
    steps = []
    for i, state in enumerate(OPEN_STATES):
        forward = [
            spec
            for spec in specs
            if state.value in spec.sources and spec.target in path and path.index(spec.target) > i
        ]
        optional = any(
            path.index(source) < i < path.index(spec.target)
            for spec in specs
            if spec.target in path
            for source in spec.sources
            if source in path
        )
        steps.append(
            GuideStep(
                state=state,
                text=str(STATE_GUIDE[state]),
                typical_time=str(TYPICAL_TIME.get(state, "")),
                optional=optional,
                next=[_move(spec) for spec in forward],
            )
        )
    endings = []
    for state in FINAL_STATES:
        into = [spec for spec in specs if spec.target == state.value]
        endings.append(
            Ending(
                state=state,
                text=str(STATE_GUIDE[state]),
                via=[_move(spec) for spec in into],
                from_steps=[s for s in OPEN_STATES if any(s.value in sp.sources for sp in into)],
                reopen=[_move(spec) for spec in specs if state.value in spec.sources],
            )
        )
    return steps, endings


def how_it_works(request: HttpRequest) -> HttpResponse:
    steps, endings = process_guide()
    return render(request, "public/how_it_works.html", {"steps": steps, "endings": endings})
