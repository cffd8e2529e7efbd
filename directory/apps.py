from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Katalog"

    def ready(self) -> None:
        from directory import signals  # noqa: F401 - connects the index invalidation
