"""REST API v1 for activities: the public calendar (anyone) and, for coordinators, the
registrations of an activity; registering (no account), like the public page's form."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language, gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from activities import notify, selectors, services
from activities.errors import ActivityError, ActivityFull
from activities.ical import activity_url
from activities.models import Activity, Registration
from api.errors import ServiceError
from api.fields import StrictSlugRelatedField
from api.ratelimit import client_rate_exceeded
from api.schema import ApiAutoSchema
from directory.models import Municipality


class ActivitySerializer(serializers.ModelSerializer):
    municipalities: serializers.SlugRelatedField = StrictSlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    areas: serializers.SlugRelatedField = StrictSlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    seats_left = serializers.SerializerMethodField()
    online = serializers.SerializerMethodField(help_text="Whether one can take part online.")
    cancelled = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The activity's page, with the form.")

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online",
            "capacity",
            "seats_left",
            "registration_deadline",
            "municipalities",
            "areas",
            "cancelled",
            "url",
        ]
        read_only_fields = fields

    def get_seats_left(self, activity: Activity) -> int:
        return max(activity.capacity - getattr(activity, "n_confirmed", 0), 0)

    def get_online(self, activity: Activity) -> bool:
        return bool(activity.online_url)

    def get_cancelled(self, activity: Activity) -> bool:
        return activity.is_cancelled

    def get_url(self, activity: Activity) -> str:
        return activity_url(activity)


class RegistrationSerializer(serializers.ModelSerializer):
    municipality: serializers.SlugRelatedField = StrictSlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "name",
            "email",
            "municipality",
            "organisation",
            "role",
            "needs",
            "status",
            "attended",
            "created_at",
        ]
        read_only_fields = fields


def _activity_id(raw: str) -> int:
    """The id from the path: any text reaches the view (a malformed id is a JSON 404 like any
    unknown one, not the HTML page of an unmatched URL)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext("No such activity."))
    return int(raw)


class ActivityListView(GenericAPIView):
    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    authentication_classes: list = []  # public: a bad token must not turn this into a 401
    serializer_class = ActivitySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.public_activities()

    @extend_schema(
        operation_id="activities_list",
        responses={200: ActivitySerializer(many=True)},
        tags=["activities"],
        summary="Published activities that have not ended, soonest first",
    )
    def get(self, request: Request) -> Response:
        return Response(ActivitySerializer(self.get_queryset(), many=True).data)


class ActivityDetailView(GenericAPIView):
    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = ActivitySerializer

    def get_queryset(self):
        return Activity.objects.none()

    @extend_schema(
        operation_id="activities_retrieve",
        responses={200: ActivitySerializer},
        tags=["activities"],
        summary="One published activity",
    )
    def get(self, request: Request, id: str) -> Response:
        activity = selectors.public_activity(_activity_id(id))
        if activity is None:
            raise NotFound(gettext("No such activity."))
        return Response(ActivitySerializer(activity).data)


class RegistrationCreateSerializer(serializers.Serializer):
    """The public form's fields; the rules (deadline, seats, duplicates) are the service's."""

    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    municipality = StrictSlugRelatedField(
        slug_field="code",
        queryset=Municipality.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="Municipality code (SCB), e.g. 1490; leave out when not from a municipality.",
    )
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.CharField(max_length=200)
    needs = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Dietary or access needs."
    )
    join_waiting_list = serializers.BooleanField(
        default=False, help_text="If the activity is full, go on the waiting list instead of 409."
    )
    consent = serializers.BooleanField(
        help_text="Must be true: the personal data is processed to handle the registration."
    )


class RegistrationCreatedSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text="`confirmed` (a seat: an email with the calendar invitation follows) or "
        "`waiting` (the waiting list)."
    )
    waiting_position = serializers.IntegerField(
        allow_null=True, help_text="Place in the waiting list (1 is next), or null."
    )
    registration_url = serializers.URLField(
        help_text="The private link to see or cancel the registration (also sent by email). "
        "It is the credential: keep it."
    )


class RegistrationRefused(ServiceError):
    status = 400
    code = "invalid"


class ActivityFullError(ServiceError):
    status = 409
    code = "activity_full"


class RegisterThrottle(BaseThrottle):
    """Registrations per client address, `settings.API_SUBMIT_RATE` like the request form's
    API (api.ratelimit: counted in the shared cache), in a scope of their own."""

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        self._wait = client_rate_exceeded(
            request, scope="api-activity-register", rate=settings.API_SUBMIT_RATE
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def _api_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    return {(name or "non_field_errors"): messages for name, messages in fields.items()}


class ActivityRegistrationsView(GenericAPIView):
    """GET: coordinators read the participants. POST: anyone registers (no account), by the
    same service as the public form; the answer carries the private link."""

    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    serializer_class = RegistrationSerializer
    pagination_class = None
    extra_error_codes = {"POST": ("409",)}

    def get_authenticators(self):
        # Registering needs no account: a stale token must not turn it into a 401.
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [RegisterThrottle()]
        return []

    def get_queryset(self):
        return Registration.objects.none()

    @extend_schema(
        operation_id="activities_registrations_list",
        responses={200: RegistrationSerializer(many=True)},
        tags=["activities"],
        summary="An activity's participants and waiting list, by municipality (coordinators)",
    )
    def get(self, request: Request, id: str) -> Response:
        user = request.user
        if not user.is_authenticated or not user.is_coordinator:
            raise PermissionDenied(gettext("Only coordinators see the participants."))
        activity = selectors.staff_activity(_activity_id(id))
        if activity is None:
            raise NotFound(gettext("No such activity."))
        rows = selectors.participants(activity=activity)
        return Response(RegistrationSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="activities_registrations_create",
        request=RegistrationCreateSerializer,
        responses={201: RegistrationCreatedSerializer},
        tags=["activities"],
        summary="Register for a published activity (no account needed)",
        description=(
            "The same rules as the activity page's form: registration closes at the deadline; "
            "one live registration per email address; when every seat is taken the answer is "
            "409 `activity_full` unless `join_waiting_list` is true. A confirmation (with the "
            "calendar invitation) or a waiting-list email goes to the address."
        ),
    )
    def post(self, request: Request, id: str) -> Response:
        activity = selectors.activity_to_register(_activity_id(id))
        if activity is None:
            raise NotFound(gettext("No such activity."))
        serializer = RegistrationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            registration, token = services.registration_create(
                activity=activity,
                name=data["name"],
                email=data["email"],
                role=data["role"],
                consent=data["consent"],
                municipality=data.get("municipality"),
                organisation=data.get("organisation", ""),
                needs=data.get("needs", ""),
                join_waiting_list=data["join_waiting_list"],
                language=get_language() or "sv",
            )
        except ActivityFull as exc:
            raise ActivityFullError(
                gettext("The activity is full."), fields=_api_fields(exc.fields)
            ) from exc
        except ActivityError as exc:
            raise RegistrationRefused(str(exc), fields=_api_fields(exc.fields)) from exc
        body = {
            "status": registration.status,
            "waiting_position": selectors.waiting_position(registration),
            "registration_url": notify.manage_url(token),
        }
        return Response(body, status=status.HTTP_201_CREATED)
