from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "inbound"
    verbose_name = "Inbound email"

    def ready(self) -> None:
        # Emails to the requester get the case's reply address and thread headers when sent.
        from inbound.addresses import thread_headers
        from notifications.services import register_thread_headers

        register_thread_headers(thread_headers)
