"""django-csp's middleware, with the policy built once per process instead of per response.

django-csp 4 builds both headers (enforced and report-only) from the settings on every
response: copying the directive dictionaries, sorting, joining. That was the largest single
part of the middleware stack's cost on the bare view. The header depends only on the
settings, on a view's `@csp_update`/`@csp_replace`/`@csp_override` (attributes on the
response) and on the request's nonce, so:

- a response without per-view changes whose request used no nonce gets the header built once
  (per setting value; a changed setting, as in tests, builds it again);
- anything else (a view decorator, a page that used `request.csp_nonce`) is built exactly as
  django-csp builds it.

The header text, the exemptions and the nonce rules are django-csp's own.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

_SETTINGS = {
    False: "CONTENT_SECURITY_POLICY",
    True: "CONTENT_SECURITY_POLICY_REPORT_ONLY",
}
_VIEW_ATTRS = {
    False: ("_csp_config", "_csp_update", "_csp_replace"),
    True: ("_csp_config_ro", "_csp_update_ro", "_csp_replace_ro"),
}
# report_only -> (header text, excluded URL prefixes), from the settings.
_built: dict[bool, tuple[str, tuple[str, ...]]] = {}


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS.values():
        _built.clear()


def _from_settings(report_only: bool) -> tuple[str, tuple[str, ...]]:
    built = _built.get(report_only)
    if built is None:
        policy = getattr(settings, _SETTINGS[report_only], None) or {}
        prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
        built = _built[report_only] = (build_policy(report_only=report_only), prefixes)
    return built


class CachedCSPMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        nonce = getattr(request, "_csp_nonce", None)
        if nonce is not None or any(
            getattr(response, attr, None) is not None
            for attrs in _VIEW_ATTRS.values()
            for attr in attrs
        ):
            # A nonce or a view's own policy: django-csp's path, unchanged.
            return super().process_response(request, response)
        # django-csp leaves Django's debug 500/404 pages alone.
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for report_only, header, exempt_attr in (
            (False, HEADER, "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro"),
        ):
            csp, prefixes = _from_settings(report_only)
            if (
                csp
                and header not in response
                and getattr(response, exempt_attr, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = csp
        # As django-csp: a nonce asked for after the header was written is an error, not a
        # nonce silently missing from the policy.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
