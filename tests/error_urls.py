"""The site's URLs plus views that fail, for the error page tests (`@pytest.mark.urls`)."""

from __future__ import annotations

from django.db import OperationalError
from django.urls import path

from config.urls import handler500
from config.urls import urlpatterns as site_urlpatterns


def fails(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError("connection refused")


urlpatterns = [
    path("fails/", fails),
    path("api/v1/fails/", fails),
    path("api/v1/database-down/", database_down),
    *site_urlpatterns,
]
__all__ = ["handler500", "urlpatterns"]
