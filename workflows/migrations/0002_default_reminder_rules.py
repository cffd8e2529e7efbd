from django.db import migrations

from workflows.defaults import reminder_rules_install


def add_defaults(apps, schema_editor):
    reminder_rules_install(apps.get_model("workflows", "ReminderRule"))


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_reminder_rules")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
