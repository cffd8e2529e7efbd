from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "liaisons"
    verbose_name = _("Municipal liaisons")

    def ready(self) -> None:
        from liaisons.personal_data import liaison_erase, liaison_export, login_tokens_expire
        from privacy import registry

        registry.register(
            "liaisons",
            exporter=liaison_export,
            email_eraser=liaison_erase,
            expirer=login_tokens_expire,
        )
