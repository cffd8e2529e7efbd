from __future__ import annotations


class SwedishFirstMiddleware:
    """Swedish unless the visitor chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Swedish public
    e-service starts in Swedish for everyone and offers English (DOMAIN.md). The choice made
    with the switch lives in the language cookie, which LocaleMiddleware still honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):  # API clients negotiate with Accept-Language
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
