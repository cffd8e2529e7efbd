from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Area, CollaborationForm, ContactPerson, Municipality
from workflows.models import CaseWorkflow


class ReferenceCounter(models.Model):
    """Per-year sequence for case references, incremented under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Case(CaseWorkflow):
    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="cases", verbose_name=_("municipality")
    )
    requester_name = models.CharField(_("name"), max_length=200)
    requester_role = models.CharField(_("role"), max_length=200)
    requester_email = models.EmailField(_("email"))
    requester_phone = models.CharField(_("phone"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    areas = models.ManyToManyField(Area, blank=True, related_name="cases", verbose_name=_("areas"))
    forms = models.ManyToManyField(
        CollaborationForm, blank=True, related_name="cases", verbose_name=_("forms")
    )
    timeframe = models.CharField(_("desired timeframe"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="sv")
    consent_at = models.DateTimeField(_("consent given"))
    # sha256 of the tracking token; the token itself is only ever shown to the requester.
    tracking_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    contact = models.ForeignKey(
        ContactPerson,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("contact person"),
    )
    # Bumped by every change through a service; a stale form or API call gets a 409.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("in this state since"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), auto_now_add=True)
    # Reminders: the scan reads these indexed due times (never long ETA tasks). Any activity
    # that answers a reminder recomputes them (cases.services.reminders.reminder_reset).
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    planned_date = models.DateField(_("planned meeting or workshop"), null=True, blank=True)
    date_reminder_at = models.DateTimeField(null=True, blank=True)
    # Set by a requester's message, cleared when staff who may act on the case open or answer
    # it: the inbox's "New reply" marker and filter read this indexed column, not the messages.
    new_reply_at = models.DateTimeField(_("new reply"), null=True, blank=True)
    public = models.BooleanField(
        _("public example"), default=False, help_text=_("Shown as an example on the public pages.")
    )
    # Set when retention or an erasure request removed the requester's personal data
    # (privacy.services): the case stays for statistics and is never mailed again.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["state", "-created_at"], name="case_state_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="case_created_idx"),
            models.Index(fields=["municipality", "state", "-created_at"], name="case_muni_idx"),
            models.Index(fields=["contact", "state", "-created_at"], name="case_contact_idx"),
            models.Index(fields=["state", "state_changed_at"], name="case_waiting_idx"),
            models.Index(
                fields=["next_reminder_at"],
                name="case_reminder_due_idx",
                condition=models.Q(next_reminder_at__isnull=False),
            ),
            models.Index(
                fields=["date_reminder_at"],
                name="case_date_reminder_idx",
                condition=models.Q(date_reminder_at__isnull=False),
            ),
            # "Waiting too long" is a reminder due OR one sent: with this index beside
            # case_reminder_due_idx both halves are index reads (a bitmap OR), not a scan of
            # every case on each inbox view's count (385 ms -> 10 ms at a million cases).
            models.Index(
                fields=["state"],
                name="case_reminded_idx",
                condition=models.Q(reminder_count__gt=0),
            ),
            # The "New reply" view: few cases at a time, so a small partial index.
            models.Index(
                fields=["-new_reply_at"],
                name="case_new_reply_idx",
                condition=models.Q(new_reply_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class CaseAssignment(models.Model):
    """Who was assigned when: gives contact persons read access to their former cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    contact = models.ForeignKey(ContactPerson, on_delete=models.PROTECT, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "case"], name="assignment_contact_idx")]


class EventKind(models.TextChoices):
    CREATED = "created", _("Request received")
    TRANSITION = "transition", _("State changed")
    NOTE = "note", _("Internal note")
    DATE_PLANNED = "date_planned", _("Meeting planned")
    ACCEPTED = "accepted", _("Accepted by the contact person")
    MESSAGE = "message", _("Message")
    MEETING_PLANNED = "meeting_planned", _("Meeting planned")
    MEETING_CHANGED = "meeting_changed", _("Meeting changed")
    MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    MEETING_RECORDED = "meeting_recorded", _("Minutes recorded")


class CaseEvent(models.Model):
    """The case timeline: append-only. Notifications and reports read it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    transition = models.CharField(max_length=40, blank=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "requester", "contact_link" (a signed email link; data["by_contact"] names the person) or
    # "" (the system) when there is no staff user behind the event.
    actor_label = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Public events are shown to the requester on the tracking page; notes never are.
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_idx")]

    def save(self, *args, **kwargs):
        # The timeline is a record: an event is written once and never changed.
        if self.pk is not None:
            raise ValueError("Case events are immutable")
        super().save(*args, **kwargs)


class MeetingKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    WORKSHOP = "workshop", _("Workshop")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class CaseMeeting(models.Model):
    """A meeting or workshop on a case, with its calendar invitation's identity.

    `uid` never changes (every calendar keeps one event per meeting); `sequence` grows with
    each change the participants must take, so their calendars apply the newest message.
    Written only by cases.services.meetings (and the transitions that plan or record one).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.MEETING
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # A meeting recorded afterwards with its date only (no invitation was ever sent).
    all_day = models.BooleanField(default=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    uid = models.CharField(max_length=120, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["case", "starts_at"], name="meeting_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="meeting_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class ParticipantRole(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    CONTACT = "contact", _("Contact person")
    OTHER = "other", _("Other participant")


class MeetingParticipant(models.Model):
    """One invited person; gets the invitation, its updates and the cancellation."""

    meeting = models.ForeignKey(CaseMeeting, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Staff users' meetings for their private calendar feed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    language = models.CharField(max_length=8, default="sv")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user"], name="participant_user_idx")]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email"], name="one_invitation_per_email")
        ]
