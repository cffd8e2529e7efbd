from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    CONTACT = "contact", _("Contact person")
    REGISTRAR = "registrar", _("Registrar")
    ADMIN = "admin", _("Administrator")


class Notify(models.TextChoices):
    """How a staff user hears of something that needs them (per kind, on their profile)."""

    AT_ONCE = "at_once", _("At once, by email")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("Not at all")


class User(AbstractUser):
    """Staff user. Requesters have no account: they hold a tracking token instead."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    # What the user hears of, and how: a requester's reply or a withdrawal on a case they look
    # after, and (coordinators) a new request. The default is at once: the issue's "staff are
    # told at once", and what withdrawals did before these choices existed.
    notify_reply = models.CharField(
        _("a reply from the requester"),
        max_length=10,
        choices=Notify.choices,
        default=Notify.AT_ONCE,
    )
    notify_withdrawn = models.CharField(
        _("a withdrawn request"), max_length=10, choices=Notify.choices, default=Notify.AT_ONCE
    )
    notify_new_request = models.CharField(
        _("a new request"), max_length=10, choices=Notify.choices, default=Notify.AT_ONCE
    )

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def is_registrar(self) -> bool:
        return self.is_active and self.role == Role.REGISTRAR

    @property
    def is_contact(self) -> bool:
        return self.is_active and self.role == Role.CONTACT

    @property
    def sees_all_cases(self) -> bool:
        return self.is_coordinator or self.is_registrar or self.is_administrator


class ApiToken(models.Model):
    """An API key of one staff user. Only its SHA-256 is stored: the key itself is shown once,
    when it is created, and cannot be read back from the database or a backup."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, to tell tokens apart on the account page.
    key_prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class UserSession(models.Model):
    """A signed-in browser session, for the session list on the account page: which device,
    from where, last seen when. Keyed by the session key; the session itself stays in Django's
    session store, and ending one here deletes it there."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]


class CalendarFeed(models.Model):
    """A staff member's private iCalendar feed of their meetings: a secret URL.

    Only the sha256 of the token is stored; revoking deletes the row (the old URL answers 404)
    and creating a new one replaces it, so a leaked URL is ended from the account page.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
