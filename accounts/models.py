from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
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
