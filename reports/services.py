"""Build the report figures from the case timeline (writes of the reports app).

`aggregates_refresh` is the one way the figures are built: the Celery beat task, the "update
now" button, the nightly full rebuild and the benchmark's seed all call it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import product
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date

from cases.models import Case, CaseEvent, EventKind
from cases.selectors import waiting_too_long_q
from reports.calendar import working_days_between
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
from workflows.models import OPEN_STATES, State
from workflows.selectors import waiting_rule_days

CHUNK = 5000
# A full rebuild goes this many days received at a time, each in its own transaction: at
# 1,000,000 cases over seven years a period is ~150,000 cases and ~2.4 M daily rows. Shorter
# periods cost more: each statement that groups by area or form scans the case-area and
# case-form links once (see `_daily_replace`).
FULL_PERIOD_DAYS = 366
# An event committed late (its transaction began before others that committed first) has a
# lower id than events already seen. The watermark stays behind events younger than this, so
# the next refresh reads them again (recomputing a case is idempotent).
LATE_COMMIT_MARGIN = dt.timedelta(minutes=2)

# DailyFact's counters and how each is counted from CaseFact rows.
COUNTERS: dict[str, Q] = {
    "received": Q(),
    "reached_contact": Q(reached_contact=True),
    "reached_meeting": Q(reached_meeting=True),
    "reached_workshop": Q(reached_workshop=True),
    "reached_project": Q(reached_project=True),
    "reached_workshop_or_project": Q(reached_workshop=True) | Q(reached_project=True),
    **{f"s_{state}": Q(state=state) for state in State.values},
    "outcome_completed": Q(state=State.CLOSED, outcome="completed"),
    "outcome_no_match": Q(state=State.CLOSED, outcome="no_match"),
    "outcome_other": Q(state=State.CLOSED, outcome="other"),
    "reopened": Q(reopened=True),
    "handed_back": Q(handed_back=True),
    "answered": Q(lt_answer__isnull=False),
    "answered_in_time": Q(answered_in_time=True),
}
MEASURES = {
    LT_CONTACT: "lt_contact",
    LT_MEETING: "lt_meeting",
    LT_WORKSHOP: "lt_workshop",
    LT_ANSWER: "lt_answer",
}
# The dimensions of the daily rows: the field of CaseFact (through the case) that keys them.
DIMENSIONS = {
    DIM_ALL: None,
    DIM_AREA: "case__areas",
    DIM_FORM: "case__forms",
    DIM_CONTACT: "contact_id",
}


def counter_aggregates() -> dict[str, Count]:
    """The counters over CaseFact rows, named "n_<counter>" (an annotation may not share a
    name with the model's fields that its filter reads)."""
    return {
        f"n_{name}": Count("pk", filter=q) if q else Count("pk") for name, q in COUNTERS.items()
    }


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def promised_days() -> int:
    """The working days the public pages promise for an answer: the reminder rule for new
    requests ("usually within two working days"); 2 when there is no rule."""
    days = waiting_rule_days(state=State.RECEIVED)
    return 2 if days is None else days


def case_fact_build(
    case: Mapping[str, Any], events: Iterable[Mapping[str, Any]], *, promise: int
) -> CaseFact:
    """One case's facts from its transitions, in the order they happened.

    1. Every step ever reached counts, whatever happened after (a hand-back, a reopening or a
       withdrawal does not undo a meeting that was held).
    2. A lead time is measured to the first time the step was reached; to the first meeting
       it is the meeting's recorded date (a meeting may be recorded days later).
    3. The answer is the first assignment or decline; in time if within `promise` days.
    """
    received_on = _local_date(case["created_at"])
    fact = CaseFact(
        case_id=case["id"],
        received_on=received_on,
        municipality_id=case["municipality_id"],
        contact_id=case["contact_id"],
        state=case["state"],
    )
    last_contact = None
    for event in events:
        name, data = event["transition"], event["data"] or {}
        days = working_days_between(received_on, _local_date(event["created_at"]))
        if name == "assign_contact":
            fact.reached_contact = True
            last_contact = data.get("contact_id", last_contact)
            if fact.lt_contact is None:
                fact.lt_contact = days
        elif name == "record_meeting":
            fact.reached_meeting = True
            if fact.lt_meeting is None:
                held = parse_date(str(data.get("date", ""))) or _local_date(event["created_at"])
                fact.lt_meeting = working_days_between(received_on, held)
        elif name in ("start_workshop", "start_project"):
            if name == "start_workshop":
                fact.reached_workshop = True
            else:
                fact.reached_project = True
            if fact.lt_workshop is None:
                fact.lt_workshop = days
        elif name == "hand_back":
            fact.handed_back = True
        elif name == "reopen":
            fact.reopened = True
        elif name == "close":
            fact.outcome = str(data.get("outcome", ""))[:20]
        if name in ("assign_contact", "decline") and fact.lt_answer is None:
            fact.lt_answer = days
            fact.answered_in_time = days <= promise
    if fact.contact_id is None:
        fact.contact_id = last_contact
    if fact.state != State.CLOSED:
        fact.outcome = ""
    return fact


def _facts_rebuild(case_ids: list[int], *, promise: int) -> set[dt.date]:
    """Recompute the facts of `case_ids`; returns the days received whose sums must follow.
    Only the facts that changed are written (a full rebuild mostly finds the ones it had)."""
    names = [f.attname for f in CaseFact._meta.concrete_fields]
    stored = {
        row[0]: row for row in CaseFact.objects.filter(case_id__in=case_ids).values_list(*names)
    }
    days: set[dt.date] = {row[names.index("received_on")] for row in stored.values()}
    events: dict[int, list[Any]] = defaultdict(list)
    for case_id, transition, created_at, data in (
        CaseEvent.objects.filter(case_id__in=case_ids, kind=EventKind.TRANSITION)
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "transition", "created_at", "data")
    ):
        events[case_id].append({"transition": transition, "created_at": created_at, "data": data})
    facts = [
        case_fact_build(case, events.get(case["id"], ()), promise=promise)
        for case in Case.objects.filter(id__in=case_ids).values(
            "id", "created_at", "municipality_id", "contact_id", "state"
        )
    ]
    changed = [
        fact for fact in facts if stored.get(fact.pk) != tuple(getattr(fact, n) for n in names)
    ]
    gone = set(stored) - {fact.pk for fact in facts}
    CaseFact.objects.filter(case_id__in=[*gone, *(fact.pk for fact in changed)]).delete()
    _facts_insert(changed)
    days.update(fact.received_on for fact in facts)
    return days


def _facts_insert(facts: list[CaseFact]) -> None:
    """INSERT the facts: bulk_create prepared each of the 17 values of every row through its
    field (a third of a full rebuild's Python time at 50,000 cases); the values here are
    plain ints, bools, strings and one date."""
    if not facts:
        return
    fields = CaseFact._meta.concrete_fields
    date_field = CaseFact._meta.get_field("received_on")
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(CaseFact._meta.db_table)
    rows = [
        [
            date_field.get_db_prep_value(value, connection) if f is date_field else value
            for f, value in zip(fields, (getattr(fact, f.attname) for f in fields), strict=True)
        ]
        for fact in facts
    ]
    # One statement per 500 rows: executemany sent them one by one (10 s at 50,000 cases).
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "
                + ", ".join([f"({placeholders})"] * len(batch)),
                [value for row in batch for value in row],
            )


def _insert_grouped(
    model: type[Model],
    qs: QuerySet[Any],
    columns: list[tuple[str, str | None]],
    constants: dict[str, Any],
    *,
    into: str | None = None,
) -> None:
    """INSERT INTO `model` (or the table `into`) SELECT the grouped query `qs`, inside the
    database.

    `columns` names, in the order of `qs`'s select list, the model column each value goes to
    (None: not stored); `constants` fills the other columns. The rows never travel through
    Python: a full rebuild at a million cases is a few statements, not millions of objects.
    The query is the ORM's own SQL inside a CTE with a column list (PostgreSQL and SQLite).
    """
    sql, params = qs.query.sql_with_params()
    names = [f"c{i}" for i in range(len(columns))]
    targets = [target for target, _name in columns if target] + list(constants)
    values = [name for (target, _alias), name in zip(columns, names, strict=True) if target]
    values += ["%s"] * len(constants)
    table = connection.ops.quote_name(into or model._meta.db_table)
    statement = (
        f"WITH grouped({', '.join(names)}) AS ({sql}) "
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(t) for t in targets)}) "
        f"SELECT {', '.join(values)} FROM grouped"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *constants.values()])


def _rows_replace(model: type[Model], new: str, first: dt.date, last: dt.date) -> None:
    """Make `model`'s rows of the days `first` to `last` equal to the rows of the table
    `new`, writing only the difference: the old rows that are not among the new ones are
    deleted, the new ones that are not among the old ones inserted. A full rebuild mostly
    finds the figures it already had, and writing a row (and its indexes) costs far more
    than comparing it: two set operations per table and period."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(str(f.column)) for f in model._meta.concrete_fields if not f.primary_key]
    same = " AND ".join(f"{new}.{c} = {table}.{c}" for c in columns)
    listed = ", ".join(columns)
    day = quote("day")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {day} BETWEEN %s AND %s "
            f"AND NOT EXISTS (SELECT 1 FROM {new} WHERE {same})",
            [first, last],
        )
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {new} "
            f"EXCEPT SELECT {listed} FROM {table} WHERE {day} BETWEEN %s AND %s",
            [first, last],
        )


def _daily_rebuild(days: set[dt.date]) -> None:
    """Recompute the daily sums and lead-time histograms of `days`, 31 at a time."""
    ordered = sorted(days)
    for start in range(0, len(ordered), 31):
        DailyFact.objects.filter(day__in=ordered[start : start + 31]).delete()
        DailyLeadTime.objects.filter(day__in=ordered[start : start + 31]).delete()
        _daily_replace("in", ordered[start : start + 31])


def _daily_replace(lookup: str, days: Any, *, into: dict[type[Model], str] | None = None) -> None:
    """Insert the daily sums and lead-time histograms of the days `day__<lookup>=days` ("in"
    a list, or a "range") from the case facts: per day, municipality (and all
    municipalities) and dimension; into the models' tables (whose rows of those days the
    caller has deleted) or the tables `into` names."""
    into = into or {}
    facts = CaseFact.objects.filter(**{f"received_on__{lookup}": days})
    for (dim, key), by_municipality in product(DIMENSIONS.items(), (True, False)):
        # Each day twice: per municipality, and for all of them (municipality_id 0), so
        # a year of all municipalities is a sum over 365 rows, not 365 x municipalities.
        group = (
            ["received_on"]
            + (["municipality_id"] if by_municipality else [])
            + ([key] if key else [])
        )
        targets: list[tuple[str, str | None]] = [("day", "received_on")]
        if by_municipality:
            targets.append(("municipality_id", "municipality_id"))
        if key:
            targets.append(("dim_id", key))
        constants: dict[str, Any] = {"dim": dim}
        if not by_municipality:
            constants["municipality_id"] = ALL_MUNICIPALITIES
        if not key:
            constants["dim_id"] = 0
        scoped = facts.filter(**{f"{key}__isnull": False}) if key else facts
        _insert_grouped(
            DailyFact,
            scoped.values(*group).annotate(**counter_aggregates()).order_by(),
            targets + [(name, f"n_{name}") for name in COUNTERS],
            constants,
            into=into.get(DailyFact),
        )
        for measure, field in MEASURES.items():
            _insert_grouped(
                DailyLeadTime,
                scoped.filter(**{f"{field}__isnull": False})
                .values(*group, field)
                .annotate(n=Count("pk"))
                .order_by(),
                targets + [("days", field), ("n", "n")],
                {**constants, "measure": measure},
                into=into.get(DailyLeadTime),
            )


def _load_rebuild() -> None:
    """The load now: open cases per contact person and municipality, and those waiting too
    long, counted in the database from the cases (not their history)."""
    LoadSnapshot.objects.all().delete()
    _insert_grouped(
        LoadSnapshot,
        Case.objects.filter(state__in=OPEN_STATES)
        .values("contact_id", "municipality_id")
        .annotate(
            n_open=Count("pk"),
            n_waiting=Count("pk", filter=waiting_too_long_q()),
            n_capacity=Coalesce(Max("contact__max_active_cases"), 0),
        )
        .order_by(),
        [
            ("contact_id", "contact_id"),
            ("municipality_id", "municipality_id"),
            ("open", "n_open"),
            ("waiting", "n_waiting"),
            ("capacity", "n_capacity"),
        ],
        {},
    )


def _received_span() -> tuple[dt.date, dt.date] | None:
    """The first and last day that has a case, a case fact or a daily row: a full rebuild
    covers them all (a day whose cases are gone loses its rows)."""
    spans = [
        Case.objects.aggregate(first=Min("created_at"), last=Max("created_at")),
        CaseFact.objects.aggregate(first=Min("received_on"), last=Max("received_on")),
        DailyFact.objects.aggregate(first=Min("day"), last=Max("day")),
        DailyLeadTime.objects.aggregate(first=Min("day"), last=Max("day")),
    ]
    days = [
        _local_date(value) if isinstance(value, dt.datetime) else value
        for span in spans
        for value in span.values()
        if value is not None
    ]
    return (min(days), max(days)) if days else None


def _period_rebuild(first: dt.date, last: dt.date, *, promise: int) -> None:
    """Recompute the facts of every case received from `first` to `last` (local days) and
    the daily rows of those days; drop the facts of cases that are gone."""
    tz = timezone.get_current_timezone()
    cases = Case.objects.filter(
        created_at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        created_at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    ids = list(cases.order_by("id").values_list("id", flat=True))
    # The facts of cases that are gone.
    CaseFact.objects.filter(received_on__range=(first, last)).exclude(
        case_id__in=cases.values("id")
    ).delete()
    for start in range(0, len(ids), CHUNK):
        _facts_rebuild(ids[start : start + CHUNK], promise=promise)
    # The new rows are built apart, then only the difference is written (`_rows_replace`).
    into = {DailyFact: "new_dailyfact", DailyLeadTime: "new_dailyleadtime"}
    with connection.cursor() as cursor:
        for model, new in into.items():
            cursor.execute(
                f"CREATE TEMPORARY TABLE {new} AS "
                f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)} WHERE 1 = 0"
            )
    _daily_replace("range", (first, last), into=into)
    with connection.cursor() as cursor:
        for model, new in into.items():
            _rows_replace(model, new, first, last)
            cursor.execute(f"DROP TABLE {new}")


def _statement_timeout_local() -> None:
    """The refresh's own statement limit for the rest of this transaction (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)",
                [str(round(settings.REPORTS_STATEMENT_TIMEOUT * 1000))],
            )


def aggregates_refresh(*, full: bool = False, period_days: int = FULL_PERIOD_DAYS) -> RefreshState:
    """Bring the report figures up to date with the case timeline.

    1. Lock the one RefreshState row: refreshes run one at a time (a second waits, then finds
       little or nothing to do).
    2. Incremental: the cases with events after the watermark (new requests, transitions,
       notes) get their facts recomputed, then the days they were received get their sums
       recomputed, all in one transaction.
    3. Full (nightly, and when the promise changed): every case and every day, `period_days`
       days received at a time, each period in its own transaction under the row lock (so an
       incremental refresh may run between two periods). A reader sees, for each period,
       either its old figures or its new ones, never a half-built period; the pages' cached
       figures are keyed by the refresh time, which moves only when the last period is done.
    4. Move the watermark to the last event old enough to be surely committed, and record
       when the figures were refreshed (the pages show it). A full rebuild records the time
       and watermark of its start: events after it are read again by the next refresh.
    """
    RefreshState.objects.get_or_create(pk=1)
    promise = promised_days()
    with transaction.atomic():
        _statement_timeout_local()
        state = RefreshState.objects.select_for_update().get(pk=1)
        now = timezone.now()
        cutoff_id = (
            CaseEvent.objects.filter(created_at__lt=now - LATE_COMMIT_MARGIN).aggregate(
                m=Max("id")
            )["m"]
            or 0
        )
        if not full and state.promised_days == promise:
            changed = list(
                CaseEvent.objects.filter(id__gt=state.last_event_id)
                .values_list("case_id", flat=True)
                .distinct()
            )
            days = set()
            for start in range(0, len(changed), CHUNK):
                days |= _facts_rebuild(changed[start : start + CHUNK], promise=promise)
            _daily_rebuild(days)
            _load_rebuild()
            state.last_event_id = max(cutoff_id, state.last_event_id)
            state.refreshed_at = now
            state.save()
            return state
        # The promise is recorded now: an incremental refresh between two periods computes
        # its cases with it instead of starting a full rebuild of its own.
        state.promised_days = promise
        state.save(update_fields=["promised_days"])
        span = _received_span()
    if connection.vendor == "postgresql":
        # The comparison of old and new rows (see `_insert_grouped`) is planned from the
        # tables' statistics: stale ones (after a bulk load or a first build) made PostgreSQL
        # pick a nested loop over thousands of rows on each side (24 s for one statement).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_casefact, reports_dailyfact, reports_dailyleadtime")
    if span is not None:
        first, last = span
        while first <= last:
            end = min(first + dt.timedelta(days=period_days - 1), last)
            with transaction.atomic():
                RefreshState.objects.select_for_update().get(pk=1)
                if connection.vendor == "postgresql":
                    # Each side of a comparison is one period's rows: hashing them is never
                    # much worse than a nested loop, and a nested loop on a misestimate is
                    # quadratic.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL enable_nestloop = off")
                _statement_timeout_local()
                _period_rebuild(first, end, promise=promise)
            first = end + dt.timedelta(days=1)
    with transaction.atomic():
        _statement_timeout_local()
        state = RefreshState.objects.select_for_update().get(pk=1)
        _load_rebuild()
        state.last_event_id = cutoff_id
        state.refreshed_at = now
        state.save()
    return state
