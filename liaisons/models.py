"""Municipal liaisons (kommunens samverkansansvariga) and their one-time sign-in links.

A liaison is not a `User`: they have no password, no role and no staff session. They sign in
by a link emailed to them, and the session then holds only the liaison's id
(liaisons.sessions), so no staff check, API permission or admin page can ever mistake them for
staff.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Municipality


class Liaison(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=200)
    # Stored in lower case (liaisons.services.liaison_save): one liaison per address, so a
    # sign-in link always leads to one municipality.
    email = models.EmailField(_("email"), unique=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive liaison cannot sign in.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_login_at = models.DateTimeField(_("last signed in"), null=True, blank=True)

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("municipal liaison")
        verbose_name_plural = _("municipal liaisons")

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})"


class LoginToken(models.Model):
    """One sign-in link. Only the token's SHA-256 is stored: the link itself is in the email
    alone (and that body is erased once delivered). A token works once, until `expires_at`.
    Spent and expired tokens are deleted by the retention job (liaisons.personal_data)."""

    liaison = models.ForeignKey(Liaison, on_delete=models.CASCADE, related_name="login_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="liaison_token_expires_idx")]

    def __str__(self) -> str:
        return f"{self.liaison} {self.created_at:%Y-%m-%d %H:%M}"
