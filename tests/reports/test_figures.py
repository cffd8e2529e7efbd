"""The report figures come from the case timelines: a small known history, every number checked.

The history (March 2026; Monday 2 March; no holidays in the month), Borås unless said:
  A  received Mon 2, assigned Wed 4 (2 wd), meeting held Mon 9 (recorded Tue 10; 5 wd),
     project Mon 16 (10 wd).                                              → project
  B  received Mon 2, assigned Fri 6 (4 wd, late), handed back Mon 9, assigned again Tue 10,
     meeting Thu 12 (8 wd), workshop Fri 13 (9 wd), closed "completed" Fri 20.  → closed
  C  received Tue 3, withdrawn by the requester Wed 4.                    → withdrawn
  D  received Tue 3, declined Thu 5 (answered in 2 wd), reopened Mon 9, assigned Tue 10 (5 wd).
                                                                         → contact assigned
  E  Tranemo, other area: received Fri 6 at 16:00, assigned Mon 9 (1 wd). → contact assigned
  F  received 2 February: outside the period.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.actors import Actor
from cases.services import case_transition
from directory.models import Area, ContactPerson, Municipality
from reports import selectors, services
from reports.calendar import percentile, working_days_between
from reports.models import CaseFact, DailyFact, DailyLeadTime
from reports.selectors import ReportFilter
from tests.factories import make_case, make_contact_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Stockholm")
MARCH = ReportFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))


def at(day: int, hour: int = 10, month: int = 3):
    return time_machine.travel(dt.datetime(2026, month, day, hour, tzinfo=TZ), tick=False)


def step(case, name, actor, **data):
    return case_transition(case=case, name=name, actor=actor, data=data)


@pytest.fixture
def history(directory, coordinator):
    staff = Actor.staff(coordinator)
    anna = ContactPerson.objects.get(email="anna.lindqvist@hb.example")
    lena = ContactPerson.objects.get(email="lena.forsberg@hb.example")
    anna_user = make_contact_user(anna)
    tranemo = Municipality.objects.get(code="1452")
    textile = Area.objects.get(slug="textil-mode")
    with at(2, month=2):
        make_case(title="F")
    with at(2):
        a = make_case(title="A")
        b = make_case(title="B")
    with at(3):
        c = make_case(title="C")
        d = make_case(title="D")
    with at(4):
        a = step(a, "assign_contact", staff, contact=lena.email)
        step(c, "withdraw", Actor.requester(), reason="Vi löste det själva.")
    with at(5):
        d = step(d, "decline", staff, reason="Inget forskningsområde.")
    with at(6):
        b = step(b, "assign_contact", staff, contact=anna.email)
    with at(6, hour=16):
        e = make_case(title="E", municipality=tranemo, areas=[textile])
    with at(9):
        b = step(b, "hand_back", Actor.staff(anna_user), reason="Fel ämne.")
        d = step(d, "reopen", staff, reason="Nytt underlag.")
        e = step(e, "assign_contact", staff, contact=anna.email)
    with at(10):
        a = step(a, "record_meeting", staff, date="2026-03-09", notes="Bra.")
        b = step(b, "assign_contact", staff, contact=lena.email)
        d = step(d, "assign_contact", staff, contact=lena.email)
    with at(12):
        b = step(b, "record_meeting", staff, date="2026-03-12", notes="Bra.")
    with at(13):
        b = step(b, "start_workshop", staff, date="2026-03-20", purpose="Forma.")
    with at(16):
        a = step(a, "start_project", staff, title="Svinn", summary="Mäta.")
    with at(20):
        b = step(b, "close", staff, outcome="completed", summary="Klart.")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "lena": lena, "anna": anna}


def test_working_days_skip_weekends_and_swedish_holidays():
    assert working_days_between(dt.date(2026, 3, 6), dt.date(2026, 3, 9)) == 1  # Fri → Mon
    assert working_days_between(dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == 0
    # Good Friday 3 April and Easter Monday 6 April 2026 are holidays.
    assert working_days_between(dt.date(2026, 4, 2), dt.date(2026, 4, 7)) == 1
    # Midsommarafton (19 June 2026) is not a working day either, as for the reminders.
    assert working_days_between(dt.date(2026, 6, 18), dt.date(2026, 6, 22)) == 1


def test_percentile_is_the_nearest_rank():
    assert percentile({1: 1, 2: 1, 4: 1, 5: 1}, 0.5) == 2
    assert percentile({1: 1, 2: 1, 4: 1, 5: 1}, 0.9) == 5
    assert percentile({3: 10}, 0.9) == 3
    assert percentile({}, 0.5) is None


def _check_march(history):
    f = selectors.funnel(MARCH)
    assert f["received"] == 5
    assert [(s["key"], s["count"], s["share"]) for s in f["steps"]] == [
        ("received", 5, 1.0),
        ("reached_contact", 4, 0.8),
        ("reached_meeting", 2, 0.4),
        ("reached_workshop_or_project", 2, 0.4),
        ("reached_project", 1, 0.2),
    ]
    assert {e["key"]: e["count"] for e in f["endings"]} == {
        "closed": 1,
        "declined": 0,  # D was declined, then reopened: it is open now
        "withdrawn": 1,
    }
    assert {o["key"]: o["count"] for o in f["outcomes"]} == {
        "completed": 1,
        "no_match": 0,
        "other": 0,
    }
    assert (f["open"], f["reopened"], f["handed_back"]) == (3, 1, 1)

    t = selectors.lead_times(MARCH)
    assert [(m["key"], m["count"], m["median"], m["p90"]) for m in t["measures"]] == [
        ("to_contact", 4, 2, 5),  # A 2, B 4 (the first assignment), D 5, E 1
        ("to_meeting", 2, 5, 8),  # A 5 (the meeting's date), B 8
        ("to_workshop", 2, 9, 10),  # B 9, A 10
        ("to_answer", 4, 2, 4),  # A 2, B 4, D 2 (the decline), E 1
    ]
    assert (t["answered"], t["answered_in_time"], t["share_in_time"]) == (4, 3, 0.75)
    assert t["promised_days"] == 2


def test_every_funnel_and_lead_time_number_of_a_known_history(history):
    with at(1, month=4):
        services.aggregates_refresh()
    _check_march(history)


def test_incremental_refreshes_give_the_same_figures_as_a_full_rebuild(history):
    with at(1, month=4):
        services.aggregates_refresh(full=True)
    _check_march(history)
    # A later change to an old case is taken in by the next incremental refresh.
    with at(2, month=4):
        case_transition(
            case=history["d"],
            name="hand_back",
            actor=Actor.staff(make_contact_user(history["lena"])),
            data={"reason": "Semester."},
        )
    with at(3, month=4):
        services.aggregates_refresh()
    f = selectors.funnel(MARCH)
    assert (f["handed_back"], f["open"]) == (2, 3)
    assert CaseFact.objects.get(case_id=history["d"].pk).state == "received"


def _stored_figures() -> dict[str, list[tuple]]:
    """Every stored figure, without the row ids: what the pages read."""

    def rows(model) -> list[tuple]:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return sorted(model.objects.values_list(*names))

    return {
        "facts": rows(CaseFact),
        "daily": rows(DailyFact),
        "lead_times": rows(DailyLeadTime),
    }


def test_full_rebuild_one_day_at_a_time_stores_exactly_the_figures_of_one_built_at_once(
    history,
):
    with at(1, month=4):
        services.aggregates_refresh()
        incremental = _stored_figures()
        services.aggregates_refresh(full=True, period_days=10_000)
        assert _stored_figures() == incremental
        # From nothing, and from what is there: each day (2 February .. 6 March) its own
        # transaction.
        for model in (CaseFact, DailyFact, DailyLeadTime):
            model.objects.all().delete()
        services.aggregates_refresh(full=True, period_days=1)
        assert _stored_figures() == incremental
        services.aggregates_refresh(full=True, period_days=3)
        assert _stored_figures() == incremental
    assert sum(row[-1] for row in incremental["lead_times"]) > 0
    _check_march(history)


def test_full_rebuild_corrects_wrong_figures_and_removes_figures_of_days_without_cases(
    history,
):
    with at(1, month=4):
        services.aggregates_refresh()
        right = _stored_figures()
        DailyFact.objects.filter(day=dt.date(2026, 3, 2), dim="").update(received=99)
        DailyLeadTime.objects.filter(day=dt.date(2026, 3, 3)).update(days=7)
        DailyFact.objects.create(day=dt.date(2026, 2, 20), municipality_id=0, received=4)
        CaseFact.objects.filter(case_id=history["a"].pk).update(reached_project=False)
        assert selectors.funnel(MARCH)["received"] != 5
        services.aggregates_refresh(full=True, period_days=2)
    assert _stored_figures() == right
    _check_march(history)


def test_a_reader_sees_each_period_of_a_full_rebuild_either_old_or_new(history, monkeypatch):
    """Each period is replaced in one transaction: a rebuild that fails (or is read) in the
    middle leaves the periods before it rebuilt and the others as they were, whole."""
    with at(1, month=4):
        services.aggregates_refresh()
    # Wrong figures in February (F) and in March (A..E).
    DailyFact.objects.filter(day=dt.date(2026, 2, 2)).update(received=9)
    DailyFact.objects.filter(day=dt.date(2026, 3, 2)).update(received=9)
    replace = services._rows_replace

    def fail_in_march(model, new, first, last):
        replace(model, new, first, last)  # DailyFact first: written, then rolled back
        if first.month == 3 and model is DailyLeadTime:
            raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_rows_replace", fail_in_march)
    with at(1, month=4), pytest.raises(RuntimeError):
        # 2 February .. 1 March, then 2 March .. 6 March.
        services.aggregates_refresh(full=True, period_days=28)
    assert {r.received for r in DailyFact.objects.filter(day=dt.date(2026, 2, 2))} == {1}
    assert {r.received for r in DailyFact.objects.filter(day=dt.date(2026, 3, 2))} == {9}
    # March is whole: its lead times were not touched either.
    assert selectors.lead_times(MARCH)["measures"][0]["count"] == 4


@pytest.mark.django_db(transaction=True)  # SET LOCAL ends with a real transaction only
@pytest.mark.parametrize("full", [False, True])
def test_a_refresh_runs_under_its_own_statement_limit(history, monkeypatch, settings, full):
    """A full rebuild at a million cases reads a year of cases per statement: it must not be
    canceled by the web's 30-second statement limit (it was, on a busy machine)."""
    from django.db import connection

    settings.REPORTS_STATEMENT_TIMEOUT = 900
    seen = []
    load_rebuild = services._load_rebuild

    def spy():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        load_rebuild()

    monkeypatch.setattr(services, "_load_rebuild", spy)
    with at(1, month=4):
        services.aggregates_refresh(full=full)
    assert seen == ["15min"]
    with connection.cursor() as cursor:  # and only for the refresh's own transactions
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "15min"


def test_filters_by_municipality_area_and_contact_person(history):
    with at(1, month=4):
        services.aggregates_refresh()
    tranemo = Municipality.objects.get(code="1452")
    textile = Area.objects.get(slug="textil-mode")
    recovery = Area.objects.get(slug="resursatervinning")
    only_tranemo = ReportFilter(start=MARCH.start, end=MARCH.end, municipality_id=tranemo.pk)
    assert selectors.funnel(only_tranemo)["received"] == 1
    assert selectors.lead_times(only_tranemo)["measures"][0]["median"] == 1
    by_area = ReportFilter(start=MARCH.start, end=MARCH.end, area_id=recovery.pk)
    assert selectors.funnel(by_area)["received"] == 4
    # Lena handles A, B (assigned again after the hand-back) and D.
    lena = ReportFilter(start=MARCH.start, end=MARCH.end, contact_id=history["lena"].pk)
    assert selectors.funnel(lena)["received"] == 3
    assert selectors.lead_times(lena)["measures"][0]["p90"] == 5
    # Two dimensions at once are answered from the case facts: the same figures.
    both = ReportFilter(
        start=MARCH.start, end=MARCH.end, area_id=recovery.pk, contact_id=history["lena"].pk
    )
    assert selectors.funnel(both)["received"] == 3
    assert selectors.lead_times(both)["measures"][0]["median"] == 4
    nothing = ReportFilter(
        start=MARCH.start, end=MARCH.end, area_id=textile.pk, contact_id=history["lena"].pk
    )
    assert selectors.funnel(nothing)["received"] == 0
    assert selectors.lead_times(nothing)["measures"][0]["median"] is None


def test_load_counts_open_and_waiting_cases_per_contact_person(history):
    with at(1, month=4):
        services.aggregates_refresh()
        load = selectors.load(MARCH)
    rows = {r["name"]: (r["open"], r["capacity"], r["waiting"]) for r in load["contacts"]}
    # Lena: A (project, no reminder due yet) and D (assigned 10 March: its reminder is due);
    # Anna: E (assigned 9 March, due); F waits unassigned since February.
    assert rows == {"Lena Forsberg": (2, 5, 1), "Anna Lindqvist": (1, 6, 1)}
    assert (load["unassigned_open"], load["unassigned_waiting"], load["waiting"]) == (1, 1, 3)
    assert load["over_capacity"] == 0
    tranemo = Municipality.objects.get(code="1452")
    only = ReportFilter(start=MARCH.start, end=MARCH.end, municipality_id=tranemo.pk)
    assert [(r["name"], r["open"]) for r in selectors.load(only)["contacts"]] == [
        ("Anna Lindqvist", 1)
    ]
    # With an area filter the load is counted from the cases: the same figures.
    textile = Area.objects.get(slug="textil-mode")
    by_area = ReportFilter(start=MARCH.start, end=MARCH.end, area_id=textile.pk)
    with at(1, month=4):
        assert [
            (r["name"], r["open"], r["waiting"]) for r in selectors.load(by_area)["contacts"]
        ] == [("Anna Lindqvist", 1, 1)]


def test_latest_reasons_of_declined_and_withdrawn_requests(history):
    with at(1, month=4):
        services.aggregates_refresh()
    # D was declined, then reopened: only C (withdrawn) is still ended that way.
    assert selectors.ending_reasons(MARCH) == [
        {
            "reference": history["c"].reference,
            "state": "Återtagen",
            "reason": "Vi löste det själva.",
        }
    ]


def test_per_municipality_area_trend_and_summary(history):
    with at(1, month=4):
        services.aggregates_refresh()
    rows = {r["municipality"]: r for r in selectors.per_municipality(MARCH)}
    assert set(rows) == {"Borås", "Tranemo"}
    assert rows["Borås"]["received"] == 4
    assert rows["Borås"]["states"] == {
        "received": 0,
        "contact_assigned": 1,
        "meeting_held": 0,
        "workshop": 0,
        "project": 1,
        "closed": 1,
        "declined": 0,
        "withdrawn": 1,
    }
    assert rows["Borås"]["projects"] == 1
    assert rows["Tranemo"]["states"]["contact_assigned"] == 1
    areas = {r["area"]: r["received"] for r in selectors.per_area(MARCH)}
    assert areas == {"Resursåtervinning": 4, "Textil och mode": 1}
    q1 = ReportFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    assert [(m["month"], m["received"], m["projects"]) for m in selectors.trend(q1)] == [
        ("2026-01", 0, 0),
        ("2026-02", 1, 0),
        ("2026-03", 5, 1),
    ]
    boras = Municipality.objects.get(code="1490")
    summary = selectors.municipality_summary(boras, MARCH.start, MARCH.end)
    assert summary["received"] == 4
    assert summary["projects_started"] == 1
    assert [s["count"] for s in summary["funnel"]] == [4, 3, 2, 2, 1]
    assert summary["refreshed_at"] is not None
