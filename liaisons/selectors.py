"""What a liaison sees: their own municipality's cases, and nothing of any other.

Every read here takes the municipality from the signed-in liaison (never from the URL), so a
case of another municipality is simply not found (404). Of a case's timeline the liaison sees
what the requester sees (cases.selectors.case_public_events and, per event,
workflows.definition.requester_view): never internal notes, hand-backs or non-public fields,
and not the conversation between the requester and the university either.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from activities.models import Activity
from activities.selectors import public_activities
from cases import selectors as cases
from cases.models import Case, CaseEvent, EventKind
from directory.models import Municipality
from workflows.models import FINAL_STATES, OPEN_STATES

# The overview's filter: which cases to list.
SHOW_OPEN, SHOW_ENDED, SHOW_ALL = "open", "ended", "all"
SHOWS = (SHOW_OPEN, SHOW_ENDED, SHOW_ALL)


def liaison_cases(*, municipality: Municipality, show: str = SHOW_OPEN) -> QuerySet[Case]:
    """The municipality's cases, newest first, with contact person, areas and outcome."""
    qs = Case.objects.filter(municipality=municipality)
    if show == SHOW_OPEN:
        qs = qs.filter(state__in=OPEN_STATES)
    elif show == SHOW_ENDED:
        qs = qs.filter(state__in=FINAL_STATES)
    return cases.case_export(qs).order_by("-created_at", "-id")


def liaison_case(*, municipality: Municipality, reference: str) -> Case | None:
    """One case of the municipality by reference; None for any other municipality's."""
    return (
        cases.case_export(Case.objects.filter(municipality=municipality, reference=reference))
        .select_related("municipality", "contact")
        .first()
    )


def liaison_case_events(*, case: Case) -> list[CaseEvent]:
    """The requester's timeline of the case, without the conversation's messages."""
    return [e for e in cases.case_public_events(case=case) if e.kind != EventKind.MESSAGE]


# The meeting events of the timeline, shown by kind and time (as on the tracking page).
MEETING_EVENTS = (
    EventKind.MEETING_PLANNED,
    EventKind.MEETING_CHANGED,
    EventKind.MEETING_CANCELLED,
    EventKind.MEETING_RECORDED,
)


def liaison_case_meetings(*, case: Case) -> list:
    """The case's planned meetings and workshops, as the requester sees them (times, place,
    agenda): cases.selectors.case_planned_meetings, the tracking page's own read."""
    return cases.case_planned_meetings(case=case)


def liaison_activities(*, municipality: Municipality, limit: int = 10) -> list[Activity]:
    """Published activities still to come that are for this municipality: aimed at it, or at
    no municipality in particular (open to all)."""
    for_municipality = Activity.objects.filter(
        Q(municipalities=municipality) | Q(municipalities__isnull=True)
    ).values("pk")
    return list(public_activities(now=timezone.now()).filter(pk__in=for_municipality)[:limit])
