from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Granskningslogg"

    def ready(self) -> None:
        # Sign-ins, failed sign-ins and sign-outs are recorded from django.contrib.auth's signals.
        from audit import signals  # noqa: F401
