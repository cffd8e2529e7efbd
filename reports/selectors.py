"""Reads of the report figures: the staff reports, the API, the public figures and the
municipality liaisons' view (`municipality_summary`) all read here.

Figures are cohort figures: the cases RECEIVED in the period, how far they got and how fast,
as their timelines say (reports.services builds them). They are read from the daily sums
(DailyFact, DailyLeadTime): one sum over at most a year's rows of a municipality, area, form
or contact person. A filter on two or more of area, form and contact person at once falls back
to the per-case facts (CaseFact), which is slower but rare.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Registration, RegistrationStatus
from cases.models import Case, CaseEvent
from cases.selectors import waiting_too_long_q
from directory.models import Area, CollaborationForm, ContactPerson, Municipality
from reports.calendar import percentile
from reports.models import (
    ALL_MUNICIPALITIES,
    DIM_ALL,
    DIM_AREA,
    DIM_CONTACT,
    DIM_FORM,
    LT_ANSWER,
    LT_CONTACT,
    LT_MEETING,
    LT_WORKSHOP,
    CaseFact,
    DailyFact,
    DailyLeadTime,
    LoadSnapshot,
    RefreshState,
)
from reports.services import COUNTERS, MEASURES, counter_aggregates
from workflows.models import OPEN_STATES, State


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: cases received from `start` to `end` (both included)."""

    start: dt.date
    end: dt.date
    municipality_id: int | None = None
    area_id: int | None = None
    form_id: int | None = None
    contact_id: int | None = None


FUNNEL_STEPS = (
    ("received", _("Received")),
    ("reached_contact", _("Contact person assigned")),
    ("reached_meeting", _("Meeting held")),
    ("reached_workshop_or_project", _("Workshop or project")),
    ("reached_project", _("Project")),
)
ENDINGS = (
    ("s_closed", _("Closed")),
    ("s_declined", _("Declined")),
    ("s_withdrawn", _("Withdrawn")),
)
OUTCOME_COUNTERS = (
    ("outcome_completed", _("Completed")),
    ("outcome_no_match", _("No match")),
    ("outcome_other", _("Other")),
)
LEAD_MEASURES = (
    (LT_CONTACT, "to_contact", _("Received to contact person assigned")),
    (LT_MEETING, "to_meeting", _("Received to first meeting")),
    (LT_WORKSHOP, "to_workshop", _("Received to workshop or project")),
    (LT_ANSWER, "to_answer", _("Received to first answer")),
)


def freshness() -> RefreshState | None:
    """When the figures were last refreshed (None: never yet)."""
    return RefreshState.objects.filter(pk=1, refreshed_at__isnull=False).first()


# --- The source of a report's sums ------------------------------------------------------------


def _dimension(f: ReportFilter) -> tuple[str, int] | None:
    """The one dimension the daily rows can answer for `f`; None: more than one is asked."""
    given = [
        (dim, value)
        for dim, value in (
            (DIM_AREA, f.area_id),
            (DIM_FORM, f.form_id),
            (DIM_CONTACT, f.contact_id),
        )
        if value is not None
    ]
    if len(given) > 1:
        return None
    return given[0] if given else (DIM_ALL, 0)


def _daily(
    f: ReportFilter,
    model: type[DailyFact] | type[DailyLeadTime],
    dim: tuple[str, int],
    *,
    by_municipality: bool = False,
):
    """The daily rows for `f`; `by_municipality`: each municipality's rows (to group them)."""
    if by_municipality and f.municipality_id is not None:
        by_municipality = False  # the one municipality's own rows
    qs = model.objects.filter(dim=dim[0], day__gte=f.start, day__lte=f.end)
    if dim[0] != DIM_ALL:
        qs = qs.filter(dim_id=dim[1])
    if by_municipality:
        return qs.exclude(municipality_id=ALL_MUNICIPALITIES)
    return qs.filter(municipality_id=_municipality(f))


def _municipality(f: ReportFilter) -> int:
    return ALL_MUNICIPALITIES if f.municipality_id is None else f.municipality_id


def _facts(f: ReportFilter) -> QuerySet[CaseFact]:
    qs = CaseFact.objects.filter(received_on__gte=f.start, received_on__lte=f.end)
    if f.municipality_id is not None:
        qs = qs.filter(municipality_id=f.municipality_id)
    if f.area_id is not None:
        qs = qs.filter(case__areas=f.area_id)
    if f.form_id is not None:
        qs = qs.filter(case__forms=f.form_id)
    if f.contact_id is not None:
        qs = qs.filter(contact_id=f.contact_id)
    return qs


def _zeroes(row: dict[str, Any]) -> dict[str, int]:
    return {name: int(row.get(name, row.get(f"n_{name}")) or 0) for name in COUNTERS}


def _sums(f: ReportFilter, group: str | None = None) -> list[tuple[Any, dict[str, int]]]:
    """The counters summed, one entry per `group` value ("municipality", "month", "area") or
    a single entry keyed None."""
    dim = _dimension(f)
    qs: QuerySet[Any]
    key: str | None
    sums: Mapping[str, Aggregate]
    if group == "area" and dim is not None and dim[0] not in (DIM_ALL, DIM_AREA):
        dim = None  # by area within a form or a contact person: from the case facts
    if dim is not None:
        if group == "area":
            f_area = dim if dim[0] == DIM_AREA else None
            qs = DailyFact.objects.filter(dim=DIM_AREA, day__gte=f.start, day__lte=f.end)
            if f_area is not None:
                qs = qs.filter(dim_id=f_area[1])
            qs = qs.filter(municipality_id=_municipality(f))
            key = "dim_id"
        else:
            qs = _daily(f, DailyFact, dim, by_municipality=group == "municipality")
            key = {"municipality": "municipality_id", "month": "month", None: None}[group]
        if group == "month":
            qs = qs.annotate(month=TruncMonth("day"))
        sums = {name: Sum(name) for name in COUNTERS}
    else:
        qs = _facts(f)
        key = {
            "municipality": "municipality_id",
            "month": "month",
            "area": "case__areas",
            None: None,
        }[group]
        if group == "month":
            qs = qs.annotate(month=TruncMonth("received_on"))
        if group == "area":
            qs = qs.filter(case__areas__isnull=False)
        sums = counter_aggregates()
    if key is None:
        return [(None, _zeroes(qs.aggregate(**sums)))]
    rows = qs.values(key).annotate(**sums).order_by(key)
    return [(row[key], _zeroes(row)) for row in rows]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- The reports --------------------------------------------------------------------------


def funnel(f: ReportFilter) -> dict[str, Any]:
    """How far the cases received in the period got, and how those that ended, ended."""
    sums = _sums(f)[0][1]
    received = sums["received"]
    return {
        "received": received,
        "steps": [
            {
                "key": key,
                "label": str(label),
                "count": sums[key],
                "share": _share(sums[key], received),
            }
            for key, label in FUNNEL_STEPS
        ],
        "endings": [
            {"key": key[2:], "label": str(label), "count": sums[key]} for key, label in ENDINGS
        ],
        "outcomes": [
            {"key": key[8:], "label": str(label), "count": sums[key]}
            for key, label in OUTCOME_COUNTERS
        ],
        "open": sum(sums[f"s_{state}"] for state in OPEN_STATES),
        "reopened": sums["reopened"],
        "handed_back": sums["handed_back"],
    }


def _histograms(f: ReportFilter) -> dict[int, dict[int, int]]:
    histograms: dict[int, dict[int, int]] = defaultdict(dict)
    dim = _dimension(f)
    if dim is not None:
        rows = (
            _daily(f, DailyLeadTime, dim)
            .values("measure", "days")
            .annotate(total=Sum("n"))
            .order_by()
        )
        for row in rows:
            histograms[row["measure"]][row["days"]] = int(row["total"])
        return histograms
    facts = _facts(f)
    for measure, field in MEASURES.items():
        for value, n in (
            facts.filter(**{f"{field}__isnull": False})
            .values_list(field)
            .annotate(n=Count("pk"))
            .order_by()
        ):
            histograms[measure][value] = n
    return histograms


def lead_times(f: ReportFilter) -> dict[str, Any]:
    """Median and 90th percentile, in working days, from received to each step; and the share
    answered (a contact person assigned or declined) within the promised working days."""
    histograms = _histograms(f)
    sums = _sums(f)[0][1]
    state = freshness()
    return {
        "measures": [
            {
                "key": key,
                "label": str(label),
                "count": sum(histograms[measure].values()),
                "median": percentile(histograms[measure], 0.5),
                "p90": percentile(histograms[measure], 0.9),
            }
            for measure, key, label in LEAD_MEASURES
        ],
        "answered": sums["answered"],
        "answered_in_time": sums["answered_in_time"],
        "share_in_time": _share(sums["answered_in_time"], sums["answered"]),
        "promised_days": state.promised_days if state else None,
    }


STATE_KEYS = [(state.value, state.label) for state in State]


def _state_counts(sums: dict[str, int]) -> dict[str, int]:
    return {state: sums[f"s_{state}"] for state, _label in STATE_KEYS}


def activities_held(
    start: dt.date, end: dt.date, municipality_id: int | None = None
) -> dict[int | None, dict[str, int]]:
    """Activities held in the period (not cancelled, already ended) and their participants
    (confirmed registrations not marked absent), per municipality: an activity counts for a
    municipality it was aimed at or that sent a participant. Key None: all activities."""
    activities = Activity.objects.filter(
        cancelled_at__isnull=True,
        starts_at__date__gte=start,
        starts_at__date__lte=end,
        ends_at__lte=timezone.now(),
    )
    held: dict[int, set[int]] = defaultdict(set)
    for activity_id, muni in activities.filter(municipalities__isnull=False).values_list(
        "pk", "municipalities"
    ):
        held[muni].add(activity_id)
    participants: dict[int | None, int] = defaultdict(int)
    for activity_id, muni in (
        Registration.objects.filter(activity__in=activities, status=RegistrationStatus.CONFIRMED)
        .exclude(attended=False)
        .values_list("activity_id", "municipality_id")
    ):
        participants[None] += 1
        if muni is not None:
            participants[muni] += 1
            held[muni].add(activity_id)
    result: dict[int | None, dict[str, int]] = {
        muni: {"activities": len(ids), "participants": participants[muni]}
        for muni, ids in held.items()
    }
    result[None] = {"activities": activities.count(), "participants": participants[None]}
    if municipality_id is not None:
        return {municipality_id: result.get(municipality_id, {"activities": 0, "participants": 0})}
    return result


def per_municipality(f: ReportFilter) -> list[dict[str, Any]]:
    """Per municipality: the cases received by state, projects started, activities held."""
    names = dict(Municipality.objects.values_list("pk", "name"))
    sums = dict(_sums(f, "municipality"))
    acts = activities_held(f.start, f.end, f.municipality_id)
    ids = set(sums) | {m for m in acts if m is not None}
    if f.municipality_id is not None:
        ids = {f.municipality_id}
    rows = []
    for muni in sorted(ids, key=lambda m: names.get(m, "")):
        s = sums.get(muni) or _zeroes({})
        a = acts.get(muni) or {"activities": 0, "participants": 0}
        rows.append(
            {
                "municipality_id": muni,
                "municipality": names.get(muni, "?"),
                "received": s["received"],
                "states": _state_counts(s),
                "projects": s["reached_project"],
                "activities": a["activities"],
                "participants": a["participants"],
            }
        )
    return rows


def per_area(f: ReportFilter) -> list[dict[str, Any]]:
    names = {area.pk: area.name for area in Area.objects.all()}
    return [
        {
            "area_id": area,
            "area": names.get(area, "?"),
            "received": s["received"],
            "states": _state_counts(s),
            "projects": s["reached_project"],
        }
        for area, s in sorted(_sums(f, "area"), key=lambda row: names.get(row[0], ""))
    ]


def trend(f: ReportFilter) -> list[dict[str, Any]]:
    """Per month of the period: requests received, and how many of them became projects."""
    rows = dict(_sums(f, "month"))
    result = []
    month = f.start.replace(day=1)
    while month <= f.end:
        key = next((k for k in rows if k is not None and _as_date(k) == month), None)
        s = rows[key] if key is not None else _zeroes({})
        result.append(
            {
                "month": month.strftime("%Y-%m"),
                "received": s["received"],
                "projects": s["reached_project"],
            }
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return result


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


LOAD_ROWS = 25


def load(f: ReportFilter) -> dict[str, Any]:
    """Now, not over the period: the LOAD_ROWS contact persons with the most open cases
    against their capacity, and the cases waiting too long (a reminder due or sent: the
    inbox's definition). From the snapshot the refresh takes; with an area or form filter,
    counted from the cases. Ranked and counted in the database (5,000 contact persons)."""
    base: QuerySet[Any]
    if f.area_id is None and f.form_id is None:
        snapshot = LoadSnapshot.objects.all()
        if f.municipality_id is not None:
            snapshot = snapshot.filter(municipality_id=f.municipality_id)
        if f.contact_id is not None:
            snapshot = snapshot.filter(contact_id=f.contact_id)
        base = snapshot.values("contact_id").annotate(
            n_open=Sum("open"), n_waiting=Sum("waiting"), n_capacity=Max("capacity")
        )
        waiting = snapshot.aggregate(n=Sum("waiting"))["n"] or 0
    else:
        cases = Case.objects.filter(state__in=OPEN_STATES)
        if f.municipality_id is not None:
            cases = cases.filter(municipality_id=f.municipality_id)
        if f.area_id is not None:
            cases = cases.filter(areas=f.area_id)
        if f.form_id is not None:
            cases = cases.filter(forms=f.form_id)
        if f.contact_id is not None:
            cases = cases.filter(contact_id=f.contact_id)
        base = cases.values("contact_id").annotate(
            n_open=Count("pk"),
            n_waiting=Count("pk", filter=waiting_too_long_q()),
            n_capacity=Coalesce(Max("contact__max_active_cases"), 0),
        )
        waiting = cases.aggregate(n=Count("pk", filter=waiting_too_long_q()))["n"] or 0
    assigned = base.exclude(contact_id=None)
    top = list(
        assigned.annotate(
            ratio=ExpressionWrapper(
                F("n_open") * 1.0 / Greatest(F("n_capacity"), 1), output_field=FloatField()
            )
        ).order_by("-ratio", "contact_id")[:LOAD_ROWS]
    )
    names: dict[int | None, str] = dict(
        ContactPerson.objects.filter(pk__in=[row["contact_id"] for row in top]).values_list(
            "pk", "name"
        )
    )
    unassigned = next(iter(base.filter(contact_id=None).order_by()), None) or {
        "n_open": 0,
        "n_waiting": 0,
    }
    return {
        "contacts": [
            {
                "contact_id": row["contact_id"],
                "name": names.get(row["contact_id"], "?"),
                "open": row["n_open"],
                "capacity": row["n_capacity"],
                "waiting": row["n_waiting"],
                "over": row["n_open"] > row["n_capacity"],
            }
            for row in top
        ],
        "unassigned_open": unassigned["n_open"],
        "unassigned_waiting": unassigned["n_waiting"],
        "waiting": waiting,
        "over_capacity": assigned.filter(n_open__gt=F("n_capacity")).order_by().count(),
    }


def ending_reasons(f: ReportFilter, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest requests of the period that were declined or withdrawn (and still are),
    with the reason given (staff only: the reasons are free text)."""
    facts = list(
        _facts(f)
        .filter(state__in=(State.DECLINED, State.WITHDRAWN))
        .order_by("-received_on", "-case_id")
        .values_list("case_id", "state")[:limit]
    )
    ids = [case_id for case_id, _state in facts]
    references = dict(Case.objects.filter(pk__in=ids).values_list("pk", "reference"))
    reasons: dict[int, str] = {}
    for case_id, data in (
        CaseEvent.objects.filter(case_id__in=ids, transition__in=("decline", "withdraw"))
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "data")
    ):
        reasons[case_id] = str((data or {}).get("reason", ""))  # the last one wins
    labels = dict(State.choices)
    return [
        {
            "reference": references.get(case_id, ""),
            "state": str(labels[state]),
            "reason": reasons.get(case_id, ""),
        }
        for case_id, state in facts
    ]


# --- For other apps -----------------------------------------------------------------------


def municipality_summary(municipality: Municipality, start: dt.date, end: dt.date) -> dict:
    """One municipality's figures for the cases it sent from `start` to `end` (both included),
    for the municipality liaisons' view (liaisons/) and the annual report.

    Returns a dict (labels are translated in the active language; shares are 0..1 or None):
      municipality: {"id", "name"}; start, end: the period (dates);
      received: requests received;
      by_state: [{"key", "label", "count"}] their states now, every state listed;
      funnel: [{"key", "label", "count", "share"}] received → contact person assigned →
        meeting held → workshop or project → project (each step ever reached, as the case
        timelines say);
      projects_started: cases that became projects;
      endings: [{"key", "label", "count"}] closed, declined, withdrawn;
      lead_times: [{"key", "label", "count", "median", "p90"}] in working days;
      share_in_time: answered within the promised working days (None: none answered);
      activities_held, participants: network activities held in the period for the
        municipality (aimed at it or with a participant from it) and its participants;
      refreshed_at: when the figures were last computed (datetime, or None: never).
    """
    f = ReportFilter(start=start, end=end, municipality_id=municipality.pk)
    sums = _sums(f)[0][1]
    steps = funnel(f)
    times = lead_times(f)
    acts = activities_held(start, end, municipality.pk)[municipality.pk]
    state = freshness()
    return {
        "municipality": {"id": municipality.pk, "name": municipality.name},
        "start": start,
        "end": end,
        "received": sums["received"],
        "by_state": [
            {"key": key, "label": str(label), "count": sums[f"s_{key}"]}
            for key, label in STATE_KEYS
        ],
        "funnel": steps["steps"],
        "projects_started": sums["reached_project"],
        "endings": steps["endings"],
        "lead_times": times["measures"],
        "share_in_time": times["share_in_time"],
        "activities_held": acts["activities"],
        "participants": acts["participants"],
        "refreshed_at": state.refreshed_at if state else None,
    }


def form_names() -> dict[int, str]:
    return {form.pk: form.name for form in CollaborationForm.objects.all()}
