from django.db import migrations

# The defaults from the reminders issue; administrators change them in the admin or API.
DEFAULTS = [
    # kind, state, after, repeat, escalate_after, contact, coordinators, requester
    ("waiting", "received", 2, 1, 0, False, True, False),
    ("waiting", "contact_assigned", 10, 5, 2, True, False, False),
    ("waiting", "meeting_held", 20, 10, 1, True, False, False),
    ("waiting", "workshop", 30, 30, 0, True, False, False),
    ("waiting", "project", 30, 30, 0, True, False, False),
    ("before_date", "", 1, 0, 0, True, False, True),
]


def add_defaults(apps, schema_editor):
    ReminderRule = apps.get_model("workflows", "ReminderRule")
    for kind, state, after, repeat, escalate, contact, coordinators, requester in DEFAULTS:
        ReminderRule.objects.get_or_create(
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


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_reminder_rules")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
