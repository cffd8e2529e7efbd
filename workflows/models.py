"""The case state machine, defined once with django-fsm-2.

Transition methods only change the state. Everything around a transition (locking, permission,
data, the event, notifications) is done by the one transition service in `cases.services`.
The metadata in `custom` (who acts, which fields, whether the requester is told) is the one
definition of each transition: the forms, the API and its schema, the cleaning of the fields,
the permission policy, what the requester sees and the public "how it works" page are all
derived from it (workflows.definition), so they cannot drift.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.fields import OUTCOMES, FieldSpec, Kind


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    CONTACT_ASSIGNED = "contact_assigned", _("Contact person assigned")
    MEETING_HELD = "meeting_held", _("Meeting held")
    WORKSHOP = "workshop", _("Workshop")
    PROJECT = "project", _("Project")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = (
    State.RECEIVED,
    State.CONTACT_ASSIGNED,
    State.MEETING_HELD,
    State.WORKSHOP,
    State.PROJECT,
)
FINAL_STATES = (State.CLOSED, State.DECLINED, State.WITHDRAWN)

# Who may act. "assigned" means the contact person currently assigned to the case.
COORDINATOR = "coordinator"
ASSIGNED = "assigned"
REQUESTER = "requester"


class CaseWorkflow(FSMModelMixin, models.Model):
    state = FSMField(
        _("state"), default=State.RECEIVED, choices=State.choices, protected=True, db_index=False
    )

    class Meta:
        abstract = True

    @transition(
        field=state,
        source=[State.RECEIVED, State.CONTACT_ASSIGNED],
        target=State.CONTACT_ASSIGNED,
        custom={
            "label": _("Assign contact person"),
            "actors": (COORDINATOR,),
            "fields": (FieldSpec("contact", _("Contact person"), Kind.CONTACT, public=True),),
            "public": True,
        },
    )
    def assign_contact(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CONTACT_ASSIGNED,
        target=State.RECEIVED,
        custom={
            "label": _("Hand back to the coordinators"),
            "actors": (ASSIGNED,),
            "fields": (FieldSpec("reason", _("Reason")),),
            # Internal: the requester still waits for a contact person, as in "received".
            "public": False,
        },
    )
    def hand_back(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CONTACT_ASSIGNED,
        target=State.MEETING_HELD,
        custom={
            "label": _("Record meeting"),
            "actors": (ASSIGNED, COORDINATOR),
            "fields": (
                # The planned meeting that was held (its start has passed); without one, the
                # meeting is recorded afterwards on `date`. Either way a held meeting exists.
                FieldSpec(
                    "meeting",
                    _("The planned meeting that was held"),
                    Kind.MEETING,
                    required=False,
                    help_text=_("Leave empty for a meeting that was not planned here."),
                ),
                FieldSpec("date", _("Date of the meeting"), Kind.DATE, not_in_future=True),
                FieldSpec("notes", _("Meeting notes")),
                FieldSpec("meeting_outcome", _("Outcome of the meeting"), required=False),
            ),
            "public": True,
        },
    )
    def record_meeting(self) -> None:
        pass

    @transition(
        field=state,
        source=State.MEETING_HELD,
        target=State.WORKSHOP,
        custom={
            "label": _("Plan workshop"),
            "actors": (ASSIGNED, COORDINATOR),
            "fields": (
                FieldSpec("date", _("Date of the workshop"), Kind.DATE),
                FieldSpec("purpose", _("Purpose")),
            ),
            "public": True,
        },
    )
    def start_workshop(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.MEETING_HELD, State.WORKSHOP],
        target=State.PROJECT,
        custom={
            "label": _("Start project"),
            "actors": (ASSIGNED, COORDINATOR),
            "fields": (
                FieldSpec("title", _("Project title"), Kind.LINE, public=True),
                FieldSpec("summary", _("Summary")),
            ),
            "public": True,
        },
    )
    def start_project(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.CONTACT_ASSIGNED, State.MEETING_HELD, State.WORKSHOP, State.PROJECT],
        target=State.CLOSED,
        custom={
            "label": _("Close"),
            "actors": (COORDINATOR,),
            "fields": (
                FieldSpec("outcome", _("Outcome"), Kind.CHOICE, choices=OUTCOMES),
                FieldSpec("summary", _("Summary"), public=True),
            ),
            "public": True,
        },
    )
    def close(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.RECEIVED, State.CONTACT_ASSIGNED],
        target=State.DECLINED,
        custom={
            "label": _("Decline"),
            "actors": (COORDINATOR,),
            "fields": (FieldSpec("reason", _("Reason"), public=True),),
            "public": True,
        },
    )
    def decline(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.RECEIVED, State.CONTACT_ASSIGNED, State.MEETING_HELD],
        target=State.WITHDRAWN,
        custom={
            "label": _("Withdraw"),
            "actors": (REQUESTER,),
            "fields": (FieldSpec("reason", _("Reason"), required=False, public=True),),
            "public": True,
        },
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.CLOSED, State.DECLINED, State.WITHDRAWN],
        target=State.RECEIVED,
        custom={
            "label": _("Reopen"),
            "actors": (COORDINATOR,),
            "fields": (FieldSpec("reason", _("Reason"), public=True),),
            "public": True,
        },
    )
    def reopen(self) -> None:
        pass


class ReminderKind(models.TextChoices):
    WAITING = "waiting", _("Case waits in a state")
    BEFORE_DATE = "before_date", _("Day before a planned meeting or workshop")


class ReminderRule(models.Model):
    """When a case has waited too long, whom to remind, how often, and when to escalate.

    Data, not code: administrators edit the rules; defaults come from a data migration.
    Days are Swedish working days (weekends and public holidays excluded).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=State.choices,
        blank=True,
        help_text=_("For 'waiting' rules: the state the case waits in."),
    )
    after_working_days = models.PositiveSmallIntegerField(
        _("after working days"), help_text=_("Working days in the state before the first reminder.")
    )
    repeat_every_working_days = models.PositiveSmallIntegerField(
        _("repeat every (working days)"), default=0, help_text=_("0 = remind once.")
    )
    escalate_after = models.PositiveSmallIntegerField(
        _("escalate after reminders"),
        default=0,
        help_text=_("After this many reminders, coordinators are reminded too. 0 = never."),
    )
    notify_contact = models.BooleanField(_("remind the contact person"), default=False)
    notify_coordinators = models.BooleanField(_("remind the coordinators"), default=False)
    notify_requester = models.BooleanField(_("remind the requester"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "state"]
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "state"],
                condition=models.Q(active=True),
                name="one_active_rule_per_state",
            )
        ]

    def __str__(self) -> str:
        if self.kind == ReminderKind.BEFORE_DATE:
            return str(self.get_kind_display())
        return f"{self.get_state_display()}: {self.after_working_days}"
