"""The default reminder rules (from the reminders issue); administrators change them later."""

from __future__ import annotations

DEFAULT_REMINDER_RULES = [
    # kind, state, after, repeat, escalate_after, contact, coordinators, requester
    ("waiting", "received", 2, 1, 0, False, True, False),
    ("waiting", "contact_assigned", 10, 5, 2, True, False, False),
    ("waiting", "meeting_held", 20, 10, 1, True, False, False),
    ("waiting", "workshop", 30, 30, 0, True, False, False),
    ("waiting", "project", 30, 30, 0, True, False, False),
    ("before_date", "", 1, 0, 0, True, False, True),
]


def reminder_rules_install(rule_model) -> None:
    """Create the default rules that are missing; existing rules are left as edited.

    Takes the model class so that the data migration can pass its historical model.
    """
    for (
        kind,
        state,
        after,
        repeat,
        escalate,
        contact,
        coordinators,
        requester,
    ) in DEFAULT_REMINDER_RULES:
        rule_model.objects.get_or_create(
            kind=kind,
            state=state,
            defaults={
                "after_working_days": after,
                "repeat_every_working_days": repeat,
                "escalate_after": escalate,
                "notify_contact": contact,
                "notify_coordinators": coordinators,
                "notify_requester": requester,
            },
        )
