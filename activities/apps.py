from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activities"
    verbose_name = _("Network activities")

    def ready(self) -> None:
        from activities.personal_data import (
            registrations_erase,
            registrations_expire,
            registrations_export,
        )
        from privacy import registry

        registry.register(
            "activities",
            exporter=registrations_export,
            email_eraser=registrations_erase,
            expirer=registrations_expire,
        )
