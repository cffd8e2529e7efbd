from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    """Sign-in: single sign-on over OpenID Connect and the administrators' second factor."""

    name = "signin"
    verbose_name = _("Sign-in")
    default_auto_field = "django.db.models.BigAutoField"
