"""The public "how it works" page, generated from the state machine itself."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from workflows.definition import STATE_HELP, transitions
from workflows.models import ASSIGNED, COORDINATOR, FINAL_STATES, REQUESTER, State

ACTOR_LABELS = {
    COORDINATOR: _("a coordinator"),
    ASSIGNED: _("the contact person"),
    REQUESTER: _("you (the requester)"),
}
# What a municipality should expect; a guide, not a promise. Final states have no duration.
TYPICAL_TIME = {
    State.RECEIVED: _("1–2 working days"),
    State.CONTACT_ASSIGNED: _("1–2 weeks until the first meeting"),
    State.MEETING_HELD: _("2–4 weeks"),
    State.WORKSHOP: _("1–2 months"),
    State.PROJECT: _("from a few months to a few years, depending on the form"),
}


def process_steps() -> list[dict[str, Any]]:
    """Every state of the case, in order, with the steps out of it, from the state machine."""
    specs = transitions().values()
    steps = []
    for state in State:
        outgoing = [
            {
                "spec": spec,
                "target": State(spec.target),
                "actors": [ACTOR_LABELS.get(a, a) for a in spec.actors],
            }
            for spec in specs
            if state.value in spec.sources
        ]
        steps.append(
            {
                "state": state,
                "help": STATE_HELP.get(state, ""),
                "typical_time": TYPICAL_TIME.get(state, ""),
                "final": state in FINAL_STATES,
                "transitions": outgoing,
            }
        )
    return steps


def how_it_works(request: HttpRequest) -> HttpResponse:
    return render(request, "public/how_it_works.html", {"steps": process_steps()})
