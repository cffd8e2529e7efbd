from django.apps import AppConfig


class ConversationConfig(AppConfig):
    name = "conversation"
    verbose_name = "Konversation"

    def ready(self) -> None:
        from conversation import services
        from privacy import registry

        # Retention and a requester's erasure or export reach the messages and files here.
        registry.register(
            "conversation",
            eraser=services.case_conversation_erase,
            exporter=services.requester_conversation_export,
            attachments=services.requester_attachments,
        )
