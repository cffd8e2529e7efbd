from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Dataskydd"

    def ready(self) -> None:
        from privacy import meetings, registry

        # The people invited to a case's meetings go with the case (cases cannot import
        # privacy, a layer above it, so privacy registers them on the case app's behalf).
        registry.register(
            "meetings",
            eraser=meetings.meetings_erase,
            exporter=meetings.meetings_export,
            email_eraser=meetings.meetings_email_erase,
        )
