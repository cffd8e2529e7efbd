from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "inbound"
    verbose_name = "Inbound email"

    def ready(self) -> None:
        # Emails to the requester get the case's reply address and thread headers when sent.
        from inbound import erasure
        from inbound.addresses import thread_headers
        from notifications.services import register_thread_headers
        from privacy import registry

        register_thread_headers(thread_headers)
        registry.register(
            "inbound",
            eraser=erasure.cases_erase,
            exporter=erasure.email_export,
            attachments=erasure.email_attachments,
            email_eraser=erasure.email_erase,
            purger=erasure.ignored_purge,
        )
