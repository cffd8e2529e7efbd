from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Ärenden"

    def ready(self) -> None:
        # Registers the check that drops reminders which are no longer relevant.
        from cases.services import reminders  # noqa: F401
