from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.health import healthz
from signin.views import admin_login

# The admin speaks as Samverka, not as "Django administration" (templates/admin/base_site.html).
admin.site.site_header = _("Samverka – administration")
admin.site.site_title = _("Samverka – administration")
admin.site.index_title = _("Directory, users and reminder rules")
# Without local passwords the admin's login form sends people to the SSO button.
admin.site.login = admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # First: the public pages and the staff's case pages are most of the traffic, and Django
    # tries the patterns in order (the request form was the last of about 270). No pattern
    # here matches another app's address (each pattern's address resolves as before).
    path("", include("cases.urls")),
    path("admin/", admin.site.urls),
    path("", include("signin.urls")),
    path("", include("myaccount.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("api/", include("config.api_urls")),
    path("", include("notifications.urls")),
    path("", include("audit.urls")),
    path("", include("privacy.urls")),
    path("", include("inbound.urls")),
    path("", include("directory.urls")),
    path("", include("workflows.urls")),
    path("", include("conversation.urls")),
    path("", include("activities.urls")),
    path("", include("reports.urls")),
    path("", include("liaisons.urls")),
]

# 403 and 404 are Django's views with templates/403.html and 404.html.
handler500 = "config.error_pages.server_error"

if settings.BENCH_ENDPOINTS:
    # The benchmark's ceiling: the same middleware stack, no database, no template.
    urlpatterns.insert(0, path("bench/ok", lambda request: HttpResponse("ok"), name="bench-ok"))
