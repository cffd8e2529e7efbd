"""REST API v1 for cases: intake, the requester's tracking link, and staff case handling.

Views validate input and turn domain errors into responses (via `api.errors`); services
do the work; `cases.policy` decides who sees and does what, the same as for the HTML views.
A case the caller may not see is a 404, never a 403, so the API does not reveal which
references exist, and the list is built from the same `policy.visible_cases` as the detail.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from api.fields import QueryBooleanField
from api.parsers import JSONParser
from api.schema import ApiAutoSchema
from audit.models import Action
from audit.services import audit_record
from cases import abuse, notify, policy, selectors
from cases.actors import Actor
from cases.errors import ActionForbidden
from cases.models import Case
from cases.serializers import (
    AvailableTransitionsSerializer,
    CaseEventSerializer,
    CaseSerializer,
    NoteSerializer,
    RequestCreatedSerializer,
    RequestSubmitSerializer,
    TrackSerializer,
    TransitionRequestSerializer,
    WithdrawSerializer,
    transition_fields,
)
from cases.services import case_note_add, case_submit, case_transition
from workflows.definition import transitions, transitions_from
from workflows.models import State


class ApiView(APIView):
    schema = ApiAutoSchema()
    parser_classes = [JSONParser]  # one request format, exactly what the schema documents


# --- Intake and tracking (no account) ---------------------------------------------------------


class SubmitThrottle(BaseThrottle):
    """Submissions per client address (`api.client_ip`: only our trusted proxies' word counts),
    `settings.API_SUBMIT_RATE`, counted in the shared cache so every worker sees one count."""

    def allow_request(self, request, view) -> bool:
        self._wait = abuse.client_rate_exceeded(
            request, scope="api-submit", rate=settings.API_SUBMIT_RATE
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class RequestCreateView(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SubmitThrottle]

    @extend_schema(
        operation_id="requests_create",
        request=RequestSubmitSerializer,
        responses={201: RequestCreatedSerializer},
        tags=["requests"],
        summary="Submit a collaboration request (no account needed)",
    )
    def post(self, request: Request) -> Response:
        serializer = RequestSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case, token = case_submit(**serializer.validated_data)
        body = {
            "reference": case.reference,
            "state": case.state,
            "tracking_url": notify.tracking_url(token),
        }
        return Response(body, status=status.HTTP_201_CREATED)


def _case_for_token(token: str) -> Case:
    case = selectors.case_for_token(token=token)
    if case is None:
        raise NotFound(gettext("No request matches this link."))
    return case


def _track_body(case: Case) -> dict:
    context = {
        "events": selectors.case_public_events(case=case),
        "can_withdraw": any(t.name == "withdraw" for t in transitions_from(case.state)),
    }
    return TrackSerializer(case, context=context).data


class TrackView(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="track_retrieve",
        responses={200: TrackSerializer},
        tags=["requests"],
        summary="The requester's view of their request (the token is the credential)",
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(_track_body(_case_for_token(token)))


class TrackWithdrawView(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    extra_error_codes = {"POST": ("409",)}

    @extend_schema(
        operation_id="track_withdraw",
        request=WithdrawSerializer,
        responses={200: TrackSerializer},
        tags=["requests"],
        summary="Withdraw the request",
    )
    def post(self, request: Request, token: str) -> Response:
        case = _case_for_token(token)
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case_transition(
            case=case, name="withdraw", actor=Actor.requester(), data=serializer.validated_data
        )
        return Response(_track_body(_case_for_token(token)))


# --- Staff: cases ---------------------------------------------------------------------------

# Public ordering names -> ORDER BY. Only these; anything else is a 400, so no query parameter
# can reach into another table or column. The default is the cursor-friendly index order.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-state_changed_at": ("-state_changed_at", "-id"),
    "state_changed_at": ("state_changed_at", "id"),
    "-last_activity_at": ("-last_activity_at", "-id"),
    "last_activity_at": ("last_activity_at", "id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
}
DEFAULT_ORDERING = "-created_at"


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[*State.values, "open"],
        required=False,
        help_text="A state, or `open` for every open state.",
    )
    municipality = serializers.CharField(required=False, help_text="Municipality code.")
    area = serializers.CharField(required=False, help_text="Area slug.")
    contact = serializers.CharField(required=False, help_text="Assigned contact's email.")
    overdue = QueryBooleanField(
        required=False,
        help_text="true: open cases a reminder is due or was sent for (the reminder rules).",
    )
    created_after = serializers.DateField(required=False, help_text="Created on or after.")
    created_before = serializers.DateField(required=False, help_text="Created on or before.")
    search = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Reference (exact), title, description, requester name, requester email.",
    )
    ordering = serializers.ChoiceField(
        choices=list(ORDERINGS), required=False, default=DEFAULT_ORDERING
    )


class CaseCursorPagination(CursorPagination):
    """Keyset pagination: constant cost per page however deep the client goes."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ORDERINGS[DEFAULT_ORDERING]

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: [gettext("A positive integer.")]})
        return min(size, self.max_page_size)

    def get_ordering(self, request, queryset, view):
        return view.ordering

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [gettext("Invalid cursor.")]}) from None


def _case_queryset(user):
    qs = Case.objects.select_related("municipality", "contact").prefetch_related("areas", "forms")
    return policy.visible_cases(user, qs)


def _filter_cases(user, params: dict):
    filters = selectors.CaseFilters(
        state=params.get("state") or "all",
        municipality=params.get("municipality", ""),
        area=params.get("area", ""),
        contact=params.get("contact", ""),
        waiting=params.get("overdue"),
        created_after=params.get("created_after"),
        created_before=params.get("created_before"),
        q=params.get("search", ""),
    )
    return selectors.case_list(user=user, filters=filters).prefetch_related("areas", "forms")


class CaseListView(ApiView, GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CaseCursorPagination
    serializer_class = CaseSerializer
    has_query_params = True
    ordering = ORDERINGS[DEFAULT_ORDERING]

    def get_queryset(self):  # for the schema generator; `get` builds the real one
        return Case.objects.none()

    @extend_schema(
        operation_id="cases_list",
        parameters=[CaseFilterSerializer],
        responses={200: CaseSerializer(many=True)},
        tags=["cases"],
        summary="Cases visible to you, filtered, searched and ordered",
    )
    def get(self, request: Request) -> Response:
        # A plain dict, so `?state=` is checked like any value instead of read as "absent".
        params = CaseFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        self.ordering = ORDERINGS[params.validated_data["ordering"]]
        page = self.paginate_queryset(_filter_cases(request.user, params.validated_data))
        return self.get_paginated_response(CaseSerializer(page, many=True).data)


def _visible_case(request: Request, reference: str) -> Case:
    case = _case_queryset(request.user).filter(reference=reference).first()
    if case is None:
        raise NotFound(gettext("No case with this reference."))
    return case


class CaseDetailView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="cases_retrieve", responses={200: CaseSerializer}, tags=["cases"])
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        audit_record(
            action=Action.CASE_VIEWED,
            request=request,
            object_type="case",
            object_id=case.reference,
            details={"via": "api"},
        )
        return Response(CaseSerializer(case).data)


class SuggestionSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    department = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    active_cases = serializers.IntegerField()
    capacity = serializers.IntegerField()


class CaseSuggestionsView(ApiView):
    """The contact persons the case page suggests, best first, with the reasons; for
    coordinators (who assign). The same selection as the page (`case_suggestions_shown`): only
    those with real evidence, at most three, possibly none."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_suggestions",
        responses={200: SuggestionSerializer(many=True)},
        tags=["cases"],
        summary="Suggested contact persons, best first, with reasons (coordinators)",
        description=(
            "The same suggestions as the case page: only contact persons with enough evidence "
            "(close to the best score), at most three, best first. An empty list means no good "
            "match: the request goes to the coordinators for general requests."
        ),
    )
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        if not policy.can_assign(request.user):
            raise ActionForbidden()
        suggestions = selectors.case_suggestions_shown(case=case)
        return Response(SuggestionSerializer([s.as_dict() for s in suggestions], many=True).data)


class CaseEventsView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_events_list",
        responses={200: CaseEventSerializer(many=True)},
        tags=["cases"],
        summary="The case timeline, oldest first (internal notes included)",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        events = case.events.select_related("actor").order_by("created_at", "id")
        return Response(CaseEventSerializer(events, many=True).data)


class CaseNotesView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_notes_create",
        request=NoteSerializer,
        responses={201: CaseEventSerializer},
        tags=["cases"],
        summary="Add an internal note",
    )
    def post(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        # Permission before input checks: a read-only caller learns nothing from a 400.
        if not policy.can_act_on_case(request.user, case):
            raise ActionForbidden()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = case_note_add(
            case=case, actor=Actor.staff(request.user), text=serializer.validated_data["text"]
        )
        return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)


class CaseTransitionsView(ApiView):
    permission_classes = [IsAuthenticated]
    extra_error_codes = {"POST": ("409",)}

    @extend_schema(
        operation_id="cases_transitions_list",
        responses={200: AvailableTransitionsSerializer},
        tags=["cases"],
        summary="The steps you can take on this case now, with the fields each needs",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        available = [
            {
                "name": spec.name,
                "label": str(spec.label),
                "target": spec.target,
                "fields": transition_fields(spec),
            }
            for spec in transitions_from(case.state)
            if policy.can_transition(Actor.staff(request.user), case, spec)
        ]
        return Response({"state": case.state, "version": case.version, "transitions": available})

    @extend_schema(
        operation_id="cases_transitions_create",
        request=TransitionRequestSerializer,
        responses={200: CaseSerializer},
        tags=["cases"],
        summary="Take a step: 200 new state, 400 data, 403 not yours, 409 state or version",
    )
    def post(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        if not policy.can_act_on_case(request.user, case):
            raise ActionForbidden()
        serializer = TransitionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        name = data.pop("transition")
        version = data.pop("version", None)
        actor = Actor.staff(request.user)
        if not policy.can_transition(actor, case, transitions()[name]):
            raise ActionForbidden()
        case_transition(case=case, name=name, actor=actor, data=data, expected_version=version)
        return Response(CaseSerializer(_visible_case(request, reference)).data)
