from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    """One run of retention or one erasure on request: what was removed, when, by whom."""

    class Kind(models.TextChoices):
        RETENTION = "retention", _("Retention")
        ERASURE = "erasure", _("Erasure on request")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("when"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The user's email, "job" (the scheduled task) or "command" (manage.py).
    trigger = models.CharField(_("by"), max_length=254)
    cases = models.PositiveIntegerField(_("cases"), default=0)
    # The references of the cases anonymised (not personal data: a reference is public).
    references = models.JSONField(default=list, blank=True)
    # References of cases that could not be anonymised (an eraser failed): tried again next run.
    failed = models.JSONField(default=list, blank=True)
    # Items changed per holder, e.g. {"cases": 3, "events": 2, "outbox": 5, "audit": 10}.
    removed = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
