"""REST API v1 for activities: the public calendar (anyone) and, for coordinators, the
registrations of an activity. Registering goes through the public page (no account)."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities import selectors
from activities.ical import activity_url
from activities.models import Activity, Registration
from api.schema import ApiAutoSchema


class ActivitySerializer(serializers.ModelSerializer):
    municipalities: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    areas: serializers.SlugRelatedField = serializers.SlugRelatedField(
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
    municipality: serializers.SlugRelatedField = serializers.SlugRelatedField(
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


class ActivityRegistrationsView(GenericAPIView):
    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]
    serializer_class = RegistrationSerializer
    pagination_class = None

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
