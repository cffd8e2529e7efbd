from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Ärenden"

    def ready(self) -> None:
        # Registers the check that drops reminders which are no longer relevant; and the
        # contact profiles learn from handled cases: the directory asks through this source.
        from cases.selectors import handled_case_history
        from cases.services import reminders  # noqa: F401
        from directory.profiles import register_history_source

        register_history_source(handled_case_history)
