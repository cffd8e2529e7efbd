from django.apps import AppConfig


class ConversationConfig(AppConfig):
    name = "conversation"
    verbose_name = "Konversation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from conversation import selectors, services
        from conversation.models import ReplyTemplate
        from privacy import registry

        # The case page reads the reply templates from the cache; any change drops them.
        for signal in (post_save, post_delete):
            signal.connect(selectors.reply_templates_changed, sender=ReplyTemplate)

        # Retention and a requester's erasure or export reach the messages and files here.
        registry.register(
            "conversation",
            eraser=services.case_conversation_erase,
            exporter=services.requester_conversation_export,
            attachments=services.requester_attachments,
        )
