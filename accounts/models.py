from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    CONTACT = "contact", _("Contact person")
    REGISTRAR = "registrar", _("Registrar")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """Staff user. Requesters have no account: they hold a tracking token instead."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)

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
