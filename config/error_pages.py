"""The site's server error handler (handler500).

Django calls it for any exception nothing else turned into a response, still inside the
`except` block, so the exception is at hand. The 403 and 404 pages are Django's own views
rendering templates/403.html and 404.html; /api/ answers its own 404s (config.api_urls).
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from api.errors import api_server_error


def server_error(request: HttpRequest) -> HttpResponse:
    """Under /api/ the API's JSON error shape (503 `unavailable` when the database cannot be
    reached, e.g. from the session or auth middleware before any API view ran); elsewhere
    templates/500.html, rendered without a request context so it needs no database."""
    if request.path.startswith("/api/"):
        return api_server_error(sys.exception())
    return defaults.server_error(request)
