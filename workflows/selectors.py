"""Reads of workflow data that many requests share."""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from workflows.models import ReminderKind, ReminderRule

# Every submission and every activity on a case asks when its first reminder is due, and the
# rules change a few times a year: each process keeps the active "waiting" rules' days for
# this long. A rule saved or deleted in this process (admin, API, the defaults' install: all
# through the ORM) clears the copy at once and again at commit; other processes use the new
# rule within this delay. A due time computed in between is the one a case created a minute
# earlier got, and the next activity on the case recomputes it.
RULES_CACHE_SECONDS = 60

_waiting_days: tuple[float, dict[str, int]] | None = None


def waiting_rule_days(*, state: str) -> int | None:
    """Working days a case may wait in `state` before its first reminder; None: no rule."""
    global _waiting_days
    cached = _waiting_days
    if cached is None or time.monotonic() - cached[0] >= RULES_CACHE_SECONDS:
        # At most one active rule per state (constraint one_active_rule_per_state).
        days = dict(
            ReminderRule.objects.filter(kind=ReminderKind.WAITING, active=True).values_list(
                "state", "after_working_days"
            )
        )
        cached = _waiting_days = (time.monotonic(), days)
    return cached[1].get(state)


def rules_cache_clear(**kwargs: object) -> None:
    """Forget this process's copy of the rules (now and at commit: see RULES_CACHE_SECONDS)."""
    global _waiting_days
    _waiting_days = None
    if kwargs:  # as a signal receiver: also after the writing transaction commits
        transaction.on_commit(rules_cache_clear)


post_save.connect(rules_cache_clear, sender=ReminderRule, dispatch_uid="rules-cache-save")
post_delete.connect(rules_cache_clear, sender=ReminderRule, dispatch_uid="rules-cache-delete")
