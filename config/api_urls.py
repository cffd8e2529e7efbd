"""Everything under /api/: version 1 of the API, its OpenAPI schema and the browsable docs.

The schema and the docs are for signed-in staff (a session or a token): the map of every
endpoint is no business of an anonymous caller. The docs' JavaScript and CSS come from
drf-spectacular-sidecar, served by us (no CDN).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from activities import api as activities_api
from api.errors import error_body
from cases import api as cases_api
from cases import meetings_api
from conversation import api as conversation_api
from directory import api as directory_api
from reports import api as reports_api
from workflows import api as workflows_api

router = SimpleRouter()
router.register("municipalities", directory_api.MunicipalityViewSet, basename="municipality")
router.register("areas", directory_api.AreaViewSet, basename="area")
router.register("forms", directory_api.CollaborationFormViewSet, basename="form")
router.register("contacts", directory_api.ContactPersonViewSet, basename="contact")
router.register("reminder-rules", workflows_api.ReminderRuleViewSet, basename="reminder-rule")

v1 = [
    path("requests/", cases_api.RequestCreateView.as_view(), name="request-create"),
    path("track/<str:token>/", cases_api.TrackView.as_view(), name="track"),
    path(
        "track/<str:token>/withdraw/",
        cases_api.TrackWithdrawView.as_view(),
        name="track-withdraw",
    ),
    path(
        "track/<str:token>/messages/",
        conversation_api.TrackMessagesView.as_view(),
        name="track-messages",
    ),
    path("cases/", cases_api.CaseListView.as_view(), name="case-list"),
    path("cases/<str:reference>/", cases_api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<str:reference>/events/", cases_api.CaseEventsView.as_view(), name="case-events"),
    path(
        "cases/<str:reference>/suggestions/",
        cases_api.CaseSuggestionsView.as_view(),
        name="case-suggestions",
    ),
    path("cases/<str:reference>/notes/", cases_api.CaseNotesView.as_view(), name="case-notes"),
    path(
        "cases/<str:reference>/messages/",
        conversation_api.CaseMessagesView.as_view(),
        name="case-messages",
    ),
    path(
        "cases/<str:reference>/attachments/<int:id>/",
        conversation_api.CaseAttachmentView.as_view(),
        name="case-attachment",
    ),
    path(
        "cases/<str:reference>/meetings/",
        meetings_api.CaseMeetingsView.as_view(),
        name="case-meetings",
    ),
    path(
        "cases/<str:reference>/meetings/<int:id>/",
        meetings_api.CaseMeetingDetailView.as_view(),
        name="case-meeting-detail",
    ),
    path(
        "cases/<str:reference>/meetings/<int:id>/cancel/",
        meetings_api.CaseMeetingCancelView.as_view(),
        name="case-meeting-cancel",
    ),
    path(
        "cases/<str:reference>/transitions/",
        cases_api.CaseTransitionsView.as_view(),
        name="case-transitions",
    ),
    path("activities/", activities_api.ActivityListView.as_view(), name="activity-list"),
    path(
        "activities/<str:id>/",
        activities_api.ActivityDetailView.as_view(),
        name="activity-detail",
    ),
    path(
        "activities/<str:id>/registrations/",
        activities_api.ActivityRegistrationsView.as_view(),
        name="activity-registrations",
    ),
    path("reports/funnel/", reports_api.FunnelView.as_view(), name="report-funnel"),
    path("reports/lead-times/", reports_api.LeadTimesView.as_view(), name="report-lead-times"),
    path(
        "reports/municipalities/",
        reports_api.MunicipalitiesView.as_view(),
        name="report-municipalities",
    ),
    *router.urls,
]


@csrf_exempt  # it changes nothing; a PUT with a session cookie must get JSON too, not CSRF HTML
def not_found(request, rest: str = ""):
    """Unknown API paths answer in the API's error shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", gettext("Not found.")), status=404)


def _in_json(view: APIView) -> None:
    """Answer a refusal in the API's JSON error shape, whatever the view's own renderer (YAML
    for the schema, an HTML template for the docs)."""
    view.request.accepted_renderer = JSONRenderer()
    view.request.accepted_media_type = JSONRenderer.media_type


class StaffSchemaView(SpectacularAPIView):
    """The OpenAPI schema, for signed-in staff (a session or a token)."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        _in_json(self)
        return super().handle_exception(exc)


class StaffDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for signed-in staff. The split view serves its start-up script as a file of
    its own (`?script`), so the page needs no inline script under the CSP."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        _in_json(self)
        return super().handle_exception(exc)


app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", StaffSchemaView.as_view(), name="schema"),
    path("docs/", StaffDocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<rest>.*)$", not_found, name="not-found"),
]
