"""Network activities (not tied to one case) and the registrations for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from directory.models import Area, Municipality


class ActivityKind(models.TextChoices):
    NETWORK_MEETING = "network_meeting", _("Network meeting")
    WORKSHOP = "workshop", _("Workshop at the university")
    SEMINAR = "seminar", _("Seminar")
    MUNICIPALITY_VISIT = "municipality_visit", _("Municipality visit")


class Activity(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity (seats)"))
    registration_deadline = models.DateTimeField(_("registration deadline"))
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="+", verbose_name=_("target municipalities")
    )
    areas = models.ManyToManyField(Area, blank=True, related_name="+", verbose_name=_("areas"))
    # A municipality visit and the cases it led to or discussed (set by coordinators on the
    # activity's staff page; the case page lists them). By name: cases imports no activities.
    cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="activities", verbose_name=_("linked cases")
    )
    published = models.BooleanField(_("published"), default=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # iTIP SEQUENCE: one more for every change that the participants' calendars must take.
    sequence = models.PositiveIntegerField(default=0)
    # Set when the reminders of the working day before were queued (claimed per activity).
    reminders_queued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["published", "starts_at"], name="activity_calendar_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=200)
    # Stored in lower case: one registration per address and activity.
    email = models.EmailField(_("email"))
    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200)
    needs = models.TextField(_("dietary or access needs"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    # sha256 of the private link's token; the token itself is only in the confirmation email.
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, default="sv")
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Registration order is id order: ids are taken under the activity's row lock
        # (services.registration_create), so the waiting list is first come, first served.
        ordering = ["pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                "activity",
                Lower("email"),
                condition=~models.Q(status="cancelled"),
                name="one_live_registration_per_email",
            )
        ]
        indexes = [models.Index(fields=["activity", "status"], name="registration_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
