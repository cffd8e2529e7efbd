"""Precomputed figures for the reports, built from the case timeline (the event log).

Two layers, both rebuilt from `CaseEvent` by `reports.services.aggregates_refresh` (a Celery
beat task, and on demand):

1. `CaseFact`: one row per case, what its timeline says: the day it was received, how far it
   got (every step it ever reached, so a reopened or handed-back case keeps what happened),
   its state now, and its lead times in Swedish working days.
2. `DailyFact` and `DailyLeadTime`: the case facts summed per day received, municipality and
   one optional dimension (an area, a form or a contact person), with the lead times as
   histograms (whole working days), so a year of figures is a sum over a few hundred thousand
   small rows at most, never a scan of the cases and their events. Each day is also summed
   over all municipalities (municipality_id 0): a year of everything is ~365 rows.

No personal data is stored here: ids, dates and counts only.
"""

from __future__ import annotations

from django.db import models

from cases.models import Case

# The dimension of a DailyFact row: "" is the municipality's total for the day; "area",
# "form" and "contact" rows repeat the figures for the cases with that area, form or contact
# person (a case with two areas counts in both area rows, once in the total).
DIM_ALL = ""
DIM_AREA = "area"
DIM_FORM = "form"
DIM_CONTACT = "contact"

# DailyFact/DailyLeadTime.municipality_id of the rows that sum all municipalities.
ALL_MUNICIPALITIES = 0

# DailyLeadTime.measure: from received to ...
LT_CONTACT = 1  # the first contact person assigned
LT_MEETING = 2  # the first meeting held (its recorded date)
LT_WORKSHOP = 3  # the first workshop or project started
LT_ANSWER = 4  # the first answer (a contact person assigned, or declined)


class CaseFact(models.Model):
    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    received_on = models.DateField()
    municipality_id = models.BigIntegerField()
    # The contact person who handled the case last (the one assigned now, or the last one).
    contact_id = models.BigIntegerField(null=True)
    state = models.CharField(max_length=20)
    reached_contact = models.BooleanField(default=False)
    reached_meeting = models.BooleanField(default=False)
    reached_workshop = models.BooleanField(default=False)
    reached_project = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, blank=True)  # of the last closing, if closed
    reopened = models.BooleanField(default=False)
    handed_back = models.BooleanField(default=False)
    # Working days from received; null: the step was never reached.
    lt_contact = models.PositiveIntegerField(null=True)
    lt_meeting = models.PositiveIntegerField(null=True)
    lt_workshop = models.PositiveIntegerField(null=True)
    lt_answer = models.PositiveIntegerField(null=True)
    # Answered (assigned or declined) within the promised working days; null: not answered.
    answered_in_time = models.BooleanField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["received_on", "municipality_id"], name="casefact_day_idx"),
            models.Index(fields=["contact_id", "state"], name="casefact_contact_idx"),
        ]


class DailyFact(models.Model):
    day = models.DateField()
    municipality_id = models.BigIntegerField()
    dim = models.CharField(max_length=8, blank=True)
    dim_id = models.BigIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    reached_contact = models.PositiveIntegerField(default=0)
    reached_meeting = models.PositiveIntegerField(default=0)
    reached_workshop = models.PositiveIntegerField(default=0)
    reached_project = models.PositiveIntegerField(default=0)
    reached_workshop_or_project = models.PositiveIntegerField(default=0)
    # State now of the cases received that day.
    s_received = models.PositiveIntegerField(default=0)
    s_contact_assigned = models.PositiveIntegerField(default=0)
    s_meeting_held = models.PositiveIntegerField(default=0)
    s_workshop = models.PositiveIntegerField(default=0)
    s_project = models.PositiveIntegerField(default=0)
    s_closed = models.PositiveIntegerField(default=0)
    s_declined = models.PositiveIntegerField(default=0)
    s_withdrawn = models.PositiveIntegerField(default=0)
    outcome_completed = models.PositiveIntegerField(default=0)
    outcome_no_match = models.PositiveIntegerField(default=0)
    outcome_other = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    handed_back = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_in_time = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dim", "day", "municipality_id", "dim_id"], name="dailyfact_unique"
            )
        ]
        indexes = [
            # One area's, form's or contact person's rows over a period.
            models.Index(
                fields=["dim", "dim_id", "municipality_id", "day"], name="dailyfact_dim_idx"
            ),
            # A refresh replaces the rows of the days it recomputes.
            models.Index(fields=["day"], name="dailyfact_day_idx"),
            # A period of one municipality, or of all (municipality 0).
            models.Index(fields=["dim", "municipality_id", "day"], name="dailyfact_muni_idx"),
        ]


class DailyLeadTime(models.Model):
    """How many cases received on `day` took `days` working days to reach `measure`."""

    day = models.DateField()
    municipality_id = models.BigIntegerField()
    dim = models.CharField(max_length=8, blank=True)
    dim_id = models.BigIntegerField(default=0)
    measure = models.PositiveSmallIntegerField()
    days = models.PositiveIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # Covering: a year of histogram rows for all (or one) municipality is read from
            # the index alone (140 -> 7 ms at a million cases), not from 2.4 M rows by day.
            models.Index(
                fields=["dim", "municipality_id", "day"],
                include=["measure", "days", "n"],
                name="dailylead_muni_idx",
            ),
            models.Index(
                fields=["dim", "dim_id", "municipality_id", "day"], name="dailylead_dim_id_idx"
            ),
            models.Index(fields=["day"], name="dailylead_day_idx"),
        ]


class LoadSnapshot(models.Model):
    """Open cases now per contact person (None: unassigned) and municipality, and how many of
    them wait too long (the inbox's definition), as of the last refresh."""

    contact_id = models.BigIntegerField(null=True)
    municipality_id = models.BigIntegerField()
    open = models.PositiveIntegerField()
    waiting = models.PositiveIntegerField()
    capacity = models.PositiveIntegerField(default=0)  # the contact person's, then


class RefreshState(models.Model):
    """The one row that says how fresh the figures are (and serialises refreshes)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)
    promised_days = models.PositiveSmallIntegerField(default=2)
