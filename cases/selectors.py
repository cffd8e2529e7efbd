"""Case reads. Each selector owns its joins, so N+1 is fixed in one place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
    Window,
)
from django.db.models import Case as Case_
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import JSONObject, RowNumber, TruncDate
from django.utils import timezone

from cases import policy
from cases.expressions import ListSubquery
from cases.models import (
    Case,
    CaseEvent,
    CaseMeeting,
    EventKind,
    MeetingParticipant,
    MeetingStatus,
)
from cases.services.intake import tracking_token_hash
from directory import selectors as directory
from directory.models import Area, CollaborationForm, ContactPerson, Municipality
from directory.profiles import OLDEST_DAYS, HandledCase
from directory.suggestions import (
    GENERATION_KEY,
    HISTORY_PER_CONTACT,
    Suggestion,
    general_contacts,
    normalise,
    rank_contacts,
    suggestions_shown,
)
from notifications.selectors import message_key_exists, messages_for_case
from workflows.fields import OUTCOMES
from workflows.models import FINAL_STATES, OPEN_STATES, State

SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "waiting": ("state_changed_at", "id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    # The next reminder first; cases with none (final states) last on PostgreSQL, whose
    # default this is, so the order is read from case_open_due_idx (migration 0006).
    "due": ("next_reminder_at", "id"),
    "-due": ("-next_reminder_at", "-id"),
}


class CappedPaginator(Paginator):
    """Counts matching cases only up to `cap`: an exact total over hundreds of thousands of
    matches costs a scan on every page view and helps nobody; "10 000+" says as much."""

    cap = 10_000
    object_list: QuerySet[Case]

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


@dataclass
class CaseFilters:
    """Filters shared by the staff inbox and the API's case list."""

    state: str = ""  # "" or "open": every open state; "all": any state; else that state
    municipality: str = ""  # kommunkod
    area: str = ""  # slug
    contact: str = ""  # email of the assigned contact
    waiting: bool | None = None  # True: only cases waiting too long; False: none of them
    created_after: dt.date | None = None
    created_before: dt.date | None = None
    q: str = ""
    sort: str = "newest"
    view: str = ""  # a saved view (INBOX_VIEWS); when set it decides the states, not `state`


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_list(*, user, filters: CaseFilters) -> QuerySet[Case]:
    """The cases `user` may see, filtered and sorted (the API applies its own cursor order)."""
    qs = policy.visible_cases(user).select_related("municipality", "contact")
    view = _view_q(filters.view, user) if filters.view else None
    if view is not None:
        qs = qs.filter(view)
    elif filters.state in ("", "open"):
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.state != "all":
        qs = qs.filter(state=filters.state)
    if filters.municipality:
        # The id as a scalar subquery, not a join on the code: then the planner walks
        # case_muni_idx (municipality, state, newest first) and stops at the page, where a
        # join estimated a few hundred matches, read every one (21,000) and sorted them.
        municipality = Municipality.objects.filter(code=filters.municipality).order_by()[:1]
        qs = qs.filter(municipality_id=Subquery(municipality.values("pk")))
    if filters.area:
        qs = qs.filter(areas__slug=filters.area)
    if filters.contact:
        qs = qs.filter(contact__email__iexact=filters.contact)
    if filters.waiting is not None:
        qs = qs.filter(_waiting_q()) if filters.waiting else qs.exclude(_waiting_q())
    if filters.created_after:
        qs = qs.filter(created_at__gte=_start_of_day(filters.created_after))
    if filters.created_before:
        qs = qs.filter(created_at__lt=_start_of_day(filters.created_before + timedelta(days=1)))
    if filters.q:
        qs = _search(qs, filters.q.strip())
    sort = filters.sort if filters.sort in SORTS else "newest"
    if sort in ("due", "-due") and filters.view == "closed":
        # Finished cases have no reminders: ordering them by one would sort them all for nothing.
        sort = "newest"
    return qs.order_by(*SORTS[sort])


def waiting_too_long_q() -> Q:
    """Open cases waiting too long (for the reports' load figures): the inbox's definition."""
    return _waiting_q()


def _waiting_q() -> Q:
    # "Waiting too long" is what the reminder rules say: a reminder is due or was sent
    # since the last activity. One definition for the inbox, the API and the reminders.
    return Q(state__in=OPEN_STATES) & (
        Q(next_reminder_at__lte=timezone.now()) | Q(reminder_count__gt=0)
    )


# The inbox's saved views, in the order shown. Coordinators, registrars and administrators
# get all of them ("Mine" only if they are also in the contact directory); contact persons
# get their own: their open cases, those of them waiting too long, and their finished ones.
INBOX_VIEWS = ("new", "replies", "unassigned", "mine", "waiting", "open", "closed")
CONTACT_VIEWS = ("mine", "replies", "waiting", "closed")
# Counts stop here ("1 000+"): each is a LIMITed index scan, a few ms at a million cases,
# where an exact count of the open cases reads ~200,000 index entries on every page view.
VIEW_COUNT_CAP = 1000


def _own_contact_id(user) -> int | None:
    person = getattr(user, "contact_person", None)
    return person.pk if person is not None else None


def inbox_views(user) -> tuple[str, ...]:
    """The saved views `user` gets, in order; the first is the default."""
    if not user.sees_all_cases:
        return CONTACT_VIEWS if _own_contact_id(user) is not None else ()
    if _own_contact_id(user) is None:
        return tuple(v for v in INBOX_VIEWS if v != "mine")
    return INBOX_VIEWS


def _view_q(view: str, user) -> Q | None:
    """The cases of a saved view (within what `user` may see); None: no such view for them."""
    if view not in inbox_views(user):
        return None
    open_ = Q(state__in=OPEN_STATES)
    contact_id = _own_contact_id(user)
    mine = Q(contact_id=contact_id) if contact_id is not None else Q()
    if view == "new":
        # Received and never assigned: every step bumps the version, and the only way back
        # to received is a hand-back, so version 1 says it (a handed-back case is
        # "unassigned", not new). Read from case_new_idx (migration 0006).
        return Q(state=State.RECEIVED, version=1)
    if view == "replies":
        # "New reply": the requester wrote and nobody who may act on the case has opened or
        # answered it since. The indexed column (case_new_reply_idx) holds it, so the view and
        # its count read a small partial index, not the messages.
        replied = Q(new_reply_at__isnull=False)
        return replied if user.sees_all_cases else replied & mine
    if view == "unassigned":
        return open_ & Q(contact__isnull=True)
    if view == "mine":
        return open_ & mine
    if view == "waiting":
        return _waiting_q() & (Q() if user.sees_all_cases else mine)
    if view == "open":
        return open_
    return Q(state__in=FINAL_STATES)


def inbox_view_counts(*, user) -> dict[str, int]:
    """Cases in each of `user`'s saved views, each counted up to VIEW_COUNT_CAP + 1. One query.

    Each count is `SELECT COUNT(*) FROM (... LIMIT cap + 1)`, so it stops after cap + 1 index
    entries however many cases match; all of them go to the database as one statement.
    """
    views = inbox_views(user)
    if not views:
        return {}
    parts: list[str] = []
    params: list = []
    for view in views:
        qs = policy.visible_cases(user).filter(_view_q(view, user)).order_by()
        sql, view_params = qs.values("pk")[: VIEW_COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS v_{view})")
        params.extend(view_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(views, row, strict=True))


# The stored tsvector column and its GIN index come from migration 0005_search_column
# (PostgreSQL only; the model does not know the column, so Django never writes it).
MATCHES_WORDS = "cases_case.search_tsv @@ to_tsquery('swedish', %s)"


def _search(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """Free text: a reference or requester email exactly, or words in title/description/name.

    On PostgreSQL the words go through full-text search (Swedish stemming, each word a prefix:
    "textil" finds "textilåtervinning") over a stored tsvector with a GIN index; at a million
    cases a substring scan (icontains) reads the whole table on every search. SQLite (small
    installations) looks for each word's stem as a substring. A reference matches exactly (as
    typed or upper-cased): the unique index.
    """
    exact = Q(reference=q) | Q(reference=q.upper()) | Q(requester_email__iexact=q)
    words = re.findall(r"\w+", q)
    if connection.vendor != "postgresql":
        # Each word's Swedish stem as a substring: "sjuksköterska" → "sjukskötersk" also finds
        # "sjuksköterskor", as the PostgreSQL search does.
        text = Q()
        for word in words:
            stem = normalise(word)
            text &= (
                Q(title__icontains=stem)
                | Q(description__icontains=stem)
                | Q(requester_name__icontains=stem)
            )
        return qs.filter(exact | text) if words else qs.filter(exact)
    if not words:
        return qs.filter(exact)
    query = " & ".join(f"{w}:*" for w in words)
    matches = ExpressionWrapper(RawSQL(MATCHES_WORDS, [query]), output_field=BooleanField())
    return qs.filter(exact | Q(matches))


def case_export(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with what the registry export shows: areas and forms prefetched (one query each
    per chunk) and the final step's time and outcome annotated (no query per case).

    The closed date is when the case reached a final state: `state_changed_at` of a case in
    one (the last transition is the final one, as final states have no way out). The outcome
    is the closing event's, read through the event index (case, created_at).
    """
    closing = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=EventKind.TRANSITION, transition="close"
    ).order_by("-created_at", "-id")
    return (
        cases.select_related("municipality", "contact")
        .prefetch_related("areas", "forms")
        .annotate(
            closed_at=Case_(
                When(state__in=FINAL_STATES, then=F("state_changed_at")),
                default=None,
                output_field=DateTimeField(),
            ),
            outcome=Subquery(
                closing.annotate(outcome=KT("data__outcome")).values("outcome")[:1],
                output_field=CharField(),
            ),
        )
    )


def outcome_label(value: str | None) -> str:
    """The translated label of a closing outcome code ("" when there is none)."""
    return str(dict(OUTCOMES).get(value or "", value or ""))


def _one_case_with_links(queryset: QuerySet[Case]) -> Case | None:
    """The first case of `queryset` with its municipality, contact, areas and forms, in ONE
    query: the ids of its areas and forms come as arrays with the case, and the entries from
    the per-process catalogue (`directory.catalogue`), where prefetching them cost the case
    page and the tracking page two more queries. `case.areas.all()` and `case.forms.all()`
    then answer from memory, in the order a prefetch gives (Meta.ordering)."""
    through_areas, through_forms = Case.areas.through, Case.forms.through
    case = (
        queryset.select_related("municipality", "contact")
        .annotate(
            linked_area_ids=ListSubquery(
                through_areas.objects.filter(case_id=OuterRef("pk")).values("area_id")
            ),
            linked_form_ids=ListSubquery(
                through_forms.objects.filter(case_id=OuterRef("pk")).values("collaborationform_id")
            ),
        )
        .first()
    )
    if case is None:
        return None
    area_ids, form_ids = case.linked_area_ids, case.linked_form_ids
    entries = directory.catalogue()
    if not (set(area_ids) <= entries.areas.keys() and set(form_ids) <= entries.forms.keys()):
        entries = directory.catalogue(missing=True)  # added in another process just now
    prefetched = case.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, ids, by_id in (
        ("areas", area_ids, entries.areas),
        ("forms", form_ids, entries.forms),
    ):
        linked = sorted((by_id[i] for i in ids if i in by_id), key=lambda ranked: ranked[0])
        # What Django's prefetch_related leaves on the instance (prefetch_one_level).
        related = getattr(case, name).get_queryset()
        related._result_cache = [entry for _rank, entry in linked]
        related._prefetch_done = True
        prefetched[name] = related
    return case


def _moment(text: str) -> dt.datetime:
    """A time read from JSON built in the database (SQLite writes UTC without an offset)."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _linked_activities() -> ListSubquery:
    """The activities (municipality visits) linked to the case, as one array in the case's own
    query, so the case page's query count does not change. Read by the relation's name: the
    activities app links to cases, and cases imports nothing of it."""
    through: Any = getattr(Case._meta.get_field("activities"), "through")  # noqa: B009
    return ListSubquery(
        through._default_manager.filter(case_id=OuterRef("pk"))
        .order_by("activity__starts_at", "activity_id")
        .values(
            json=JSONObject(
                id="activity_id",
                title="activity__title",
                kind="activity__kind",
                starts_at="activity__starts_at",
            )
        ),
        json_items=True,
    )


def case_for_staff(*, reference: str) -> Case | None:
    case = _one_case_with_links(
        Case.objects.filter(reference=reference).annotate(
            linked_activities=_linked_activities(), meetings_data=_meetings_array()
        )
    )
    if case is not None:
        for entry in case.linked_activities:  # type: ignore[attr-defined]
            entry["starts_at"] = _moment(entry["starts_at"])
    return case


def case_for_token(*, token: str) -> Case | None:
    if not token or len(token) > 100:
        return None
    return _one_case_with_links(
        Case.objects.filter(tracking_token_hash=tracking_token_hash(token)).annotate(
            meetings_data=_meetings_array()
        )
    )


def case_public_events(*, case: Case) -> list[CaseEvent]:
    """What the requester sees: public events only, in time order (no notes, no emails)."""
    return list(CaseEvent.objects.filter(case=case, public=True))


def case_timeline(*, case: Case) -> list[dict]:
    """Everything staff see: events and emails in time order."""
    events = CaseEvent.objects.filter(case=case).select_related("actor")
    items: list[tuple[str, dt.datetime, Model]] = [("event", e.created_at, e) for e in events]
    items += [("email", m.created_at, m) for m in messages_for_case(case_id=case.pk)]
    items.sort(key=lambda item: item[1])
    return [{"type": kind, "at": at, "item": obj} for kind, at, obj in items]


def contact_loads(contact_ids: Iterable[int]) -> dict[int, int]:
    """Open cases per contact person of `contact_ids` (absent: none).

    Counted from the case side over the indexed contact column (case_open_contact_idx):
    joining every contact to all their cases reads the whole case table. The ranking asks
    only for its few dozen candidates, which keeps this to a few index lookups even at a
    million cases.
    """
    rows = (
        Case.objects.filter(state__in=OPEN_STATES, contact_id__in=list(contact_ids))
        .values("contact_id")
        .annotate(n=Count("id"))
        .values_list("contact_id", "n")
    )
    return dict(rows)


def case_suggestions(*, case: Case, limit: int = 5) -> list[Suggestion]:
    """Contact persons for a case, best first, with the reasons; their open cases are the load."""
    return rank_contacts(
        title=case.title,
        text=case.description,
        area_slugs=[a.slug for a in case.areas.all()],
        form_slugs=[f.slug for f in case.forms.all()],
        language=case.language,
        loads=contact_loads,
        limit=limit,
    )


# Loads drift as other cases are assigned; a cached list is at most this old.
SUGGESTIONS_CACHE_SECONDS = 600


def case_suggestions_shown(*, case: Case, limit: int = 5) -> list[Suggestion]:
    """The suggestions the case page shows: only those with real evidence (possibly none;
    see `directory.suggestions.suggestions_shown`).

    Ranking 5,000 contacts takes tens of milliseconds, so the list is cached (Django's cache:
    Redis when configured) under the case's id and version (every transition bumps it) and the
    directory index's generation (bumped on every directory change).
    """
    generation = cache.get(GENERATION_KEY, 0)
    key = f"case-suggestions:{case.pk}:{case.version}:{generation}"
    shown = cache.get(key)
    if shown is None:
        shown = suggestions_shown(case_suggestions(case=case, limit=limit))
        cache.set(key, shown, SUGGESTIONS_CACHE_SECONDS)
    return shown


def case_general_contacts() -> list[ContactPerson]:
    """The coordinators for general requests: the case page offers them when no one fits."""
    return general_contacts()


# States whose contact person has handled the case (how far it got is read from the events).
HANDLED_STATES = (
    State.CONTACT_ASSIGNED,
    State.MEETING_HELD,
    State.WORKSHOP,
    State.PROJECT,
    State.CLOSED,
    State.WITHDRAWN,
)
# The newest this many handled cases are read (about HISTORY_PER_CONTACT per person for a
# directory of a few hundred; a national one learns from the most recent only).
HISTORY_LIMIT = 20_000
STAGE_ORDER = (State.CONTACT_ASSIGNED, State.MEETING_HELD, State.WORKSHOP, State.PROJECT)


def handled_case_history() -> list[HandledCase]:
    """The handled cases the contact profiles learn from (`directory.profiles`). Two queries.

    1. The newest handled cases that still have their contact person, within OLDEST_DAYS.
    2. How far each got: the furthest state its events reached, and a closed case's outcome.
    """
    since = timezone.now() - timedelta(days=OLDEST_DAYS)
    rows = list(
        Case.objects.filter(
            state__in=HANDLED_STATES, contact__isnull=False, state_changed_at__gte=since
        )
        .order_by("-created_at")
        # The local day it last moved comes from the database: converting 20,000 times in
        # Python left small cached objects all over the memory the texts had used, and a
        # web worker that learned the profiles ~3 MB larger for good.
        .annotate(handled_on=TruncDate("state_changed_at"))
        .values_list(
            "pk", "reference", "contact_id", "title", "description", "state", "handled_on"
        )[:HISTORY_LIMIT]
        # In chunks (a server-side cursor on PostgreSQL): the driver never holds the raw
        # bytes of every text at once (a peak ~10 MB lower).
        .iterator(chunk_size=2000)
    )
    stage: dict[int, int] = {}
    outcome: dict[int, str] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 5000):
        events = CaseEvent.objects.filter(
            case_id__in=ids[start : start + 5000],
            kind=EventKind.TRANSITION,
            to_state__in=[*STAGE_ORDER[1:], State.CLOSED],
        ).values_list("case_id", "to_state", KT("data__outcome"))
        for case_id, to_state, case_outcome in events:
            if to_state == State.CLOSED:
                outcome[case_id] = case_outcome or ""
            else:
                stage[case_id] = max(stage.get(case_id, 0), STAGE_ORDER.index(to_state))
    history = []
    per_contact: dict[int, int] = {}
    for pk, reference, contact_id, title, text, state, handled_on in rows:
        if per_contact.get(contact_id, 0) >= HISTORY_PER_CONTACT:
            continue
        per_contact[contact_id] = per_contact.get(contact_id, 0) + 1
        furthest = stage.get(pk, 0)
        if state in STAGE_ORDER:
            furthest = max(furthest, STAGE_ORDER.index(state))
        reached = STAGE_ORDER[furthest]
        history.append(
            HandledCase(
                reference=reference,
                contact_id=contact_id,
                title=title,
                text=text,
                stage=str(reached),
                handled_on=handled_on,
                outcome=outcome.get(pk, ""),
                withdrawn=state == State.WITHDRAWN,
            )
        )
    return history


# The public area page shows this many example cases per area, newest first.
EXAMPLES_PER_AREA = 5


@dataclass(frozen=True)
class AreaCases:
    """What the cases say about collaboration areas."""

    form_counts: dict[int, dict[int, int]]  # area id -> active form id -> cases with both
    examples: dict[int, list[Case]]  # area id -> newest public cases: title, date, municipality


def area_cases(*, area_ids: list[int]) -> AreaCases:
    """Forms chosen together with each area, and each area's newest public cases. Two queries.

    The examples are ranked per area in the database (row_number over each case's areas), so
    the query returns at most EXAMPLES_PER_AREA cases per area however many are public.
    """
    pairs = (
        Case.objects.filter(areas__in=area_ids, forms__active=True)
        .values_list("areas", "forms")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    form_counts: dict[int, dict[int, int]] = {}
    for area_id, form_id, n in pairs:
        form_counts.setdefault(area_id, {})[form_id] = n
    ranked = (
        Case.objects.filter(public=True, areas__in=area_ids)
        .select_related("municipality")
        # A public page: load what it shows, not the requester's details.
        .only("title", "created_at", "municipality__name")
        .annotate(
            example_area=F("areas"),
            rank=Window(
                RowNumber(),
                partition_by=F("areas"),
                order_by=(F("created_at").desc(), F("id").desc()),
            ),
        )
        .filter(rank__lte=EXAMPLES_PER_AREA)
        .order_by("example_area", "rank")
    )
    examples: dict[int, list[Case]] = {}
    for case in ranked:
        examples.setdefault(case.example_area, []).append(case)
    return AreaCases(form_counts=form_counts, examples=examples)


@dataclass(frozen=True)
class CatalogueEntry:
    area: Area
    forms: list[CollaborationForm]
    forms_from_cases: bool  # False: nobody has asked about the area yet, so every form
    contacts: list[ContactPerson]
    examples: list[Case]


def area_catalogue() -> list[CatalogueEntry]:
    """The public area page: each active area with its contacts, fitting forms and examples.

    The directory gives the areas, forms and contacts; the cases give which forms were chosen
    with each area (most often first; an area nobody asked about shows every form) and the
    public examples. Five queries in all, however many areas, contacts and cases there are.
    """
    areas = directory.area_directory()
    forms = list(directory.form_list())
    cases = area_cases(area_ids=[entry.area.pk for entry in areas])
    catalogue = []
    for entry in areas:
        chosen = cases.form_counts.get(entry.area.pk, {})
        fitting = (
            sorted((f for f in forms if f.pk in chosen), key=lambda f: -chosen[f.pk])
            if chosen
            else forms
        )
        catalogue.append(
            CatalogueEntry(
                area=entry.area,
                forms=fitting,
                forms_from_cases=bool(chosen),
                contacts=entry.contacts,
                examples=cases.examples.get(entry.area.pk, []),
            )
        )
    return catalogue


def area_entry(*, slug: str) -> CatalogueEntry | None:
    """One active area's public page (its catalogue entry), or None. The catalogue's five
    queries: the directory has a handful of areas, so one page need not narrow them."""
    return next((entry for entry in area_catalogue() if entry.area.slug == slug), None)


def case_receipt_queued(*, case_id: int) -> bool:
    """Whether the case's receipt email was queued (not when the address had its receipts for
    the day, cases.abuse.receipt_allowed)."""
    return message_key_exists(key=f"receipt:{case_id}")


def _meetings_array() -> ListSubquery:
    """The case's meetings, each with its participants' names, as one array in the case's own
    query (the case page and the tracking page are benchmarked: the meetings cost no query)."""
    names = ListSubquery(
        MeetingParticipant.objects.filter(meeting_id=OuterRef("pk")).order_by("id").values("name")
    )
    return ListSubquery(
        CaseMeeting.objects.filter(case_id=OuterRef("pk"))
        .order_by("starts_at", "id")
        .values(
            json=JSONObject(
                id="id",
                kind="kind",
                status="status",
                starts_at="starts_at",
                ends_at="ends_at",
                all_day="all_day",
                place="place",
                online_url="online_url",
                agenda="agenda",
                minutes="minutes",
                outcome="outcome",
                uid="uid",
                sequence="sequence",
                participant_names=names,
            )
        ),
        json_items=True,
    )


def case_meetings(*, case: Case) -> list[CaseMeeting]:
    """The case's meetings and workshops, oldest first, each with `participant_names`: from
    the case's own query when it was loaded by case_for_staff or case_for_token, else one."""
    rows = getattr(case, "meetings_data", None)
    if rows is None:
        rows = list(Case.objects.filter(pk=case.pk).values_list(_meetings_array(), flat=True))[0]
    meetings = []
    for row in rows:
        row = dict(row)
        names = row.pop("participant_names", None) or []
        meeting = CaseMeeting(case_id=case.pk, **row)
        meeting.starts_at = _moment(row["starts_at"])
        meeting.ends_at = _moment(row["ends_at"])
        meeting._state.adding = False
        meeting.participant_names = names  # type: ignore[attr-defined]
        meetings.append(meeting)
    return meetings


def case_planned_meetings(*, case: Case) -> list[CaseMeeting]:
    """What the requester sees: the planned meetings (times, place, agenda)."""
    return [m for m in case_meetings(case=case) if m.status == MeetingStatus.PLANNED]


def case_meeting(*, case: Case, meeting_id: int) -> CaseMeeting | None:
    """One meeting of `case` with its participants and organiser."""
    return (
        CaseMeeting.objects.filter(case=case, pk=meeting_id)
        .select_related("organizer")
        .prefetch_related("participants")
        .first()
    )


def staff_feed_meetings(*, user) -> QuerySet[CaseMeeting]:
    """A staff member's meetings for their private feed: those they organise or are invited
    to, from 90 days back (a calendar keeps what it saw)."""
    since = timezone.now() - dt.timedelta(days=90)
    return (
        CaseMeeting.objects.filter(
            Q(organizer=user) | Q(participants__user=user), starts_at__gte=since
        )
        .exclude(all_day=True)
        .select_related("case", "organizer")
        .distinct()
        .order_by("starts_at")
    )
