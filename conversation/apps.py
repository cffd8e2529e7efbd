from django.apps import AppConfig


class ConversationConfig(AppConfig):
    name = "conversation"
    verbose_name = "Konversation"

    def ready(self) -> None:
        # Completes the lazily rendered message emails (notifications.services.register_context).
        from conversation import notify  # noqa: F401
