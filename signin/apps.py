from django.apps import AppConfig


class SigninConfig(AppConfig):
    """Sign-in: single sign-on over OpenID Connect and the administrators' second factor."""

    name = "signin"
    verbose_name = "Sign-in"
    default_auto_field = "django.db.models.BigAutoField"
