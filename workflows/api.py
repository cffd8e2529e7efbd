"""REST API v1 for the reminder rules: data that administrators edit.

Staff who see all cases (coordinators, registrars, administrators) read the rules; only
administrators change them. A change applies from each case's next activity or reminder.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.fields import StrictBooleanField
from api.parsers import JSONParser
from api.schema import ApiAutoSchema
from workflows.models import ReminderRule


class StaffReadAdministratorWrite(BasePermission):
    """Coordinators, registrars and administrators read the rules; administrators change them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        # Checking is_authenticated first also tells mypy the user is a staff User.
        if not user.is_authenticated or not user.sees_all_cases:
            return False
        return request.method in SAFE_METHODS or user.is_administrator


class ReminderRuleSerializer(serializers.ModelSerializer):
    after_working_days = serializers.IntegerField(min_value=0, max_value=365)
    repeat_every_working_days = serializers.IntegerField(min_value=0, max_value=365)
    escalate_after = serializers.IntegerField(min_value=0, max_value=100)
    notify_contact = StrictBooleanField()
    notify_coordinators = StrictBooleanField()
    notify_requester = StrictBooleanField()
    active = StrictBooleanField()

    class Meta:
        model = ReminderRule
        fields = [
            "id",
            "kind",
            "state",
            "after_working_days",
            "repeat_every_working_days",
            "escalate_after",
            "notify_contact",
            "notify_coordinators",
            "notify_requester",
            "active",
        ]
        # A rule belongs to its state; switch it off with "active" rather than moving it.
        read_only_fields = ["id", "kind", "state"]

    state = serializers.CharField(read_only=True, help_text="Empty for date reminders.")


@extend_schema_view(
    list=extend_schema(tags=["reminder rules"]),
    retrieve=extend_schema(tags=["reminder rules"]),
    update=extend_schema(tags=["reminder rules"], summary="Replace (administrators)"),
    partial_update=extend_schema(tags=["reminder rules"], summary="Update (administrators)"),
)
class ReminderRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The reminder rules. A change applies from each case's next activity or reminder."""

    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    permission_classes = [StaffReadAdministratorWrite]
    serializer_class = ReminderRuleSerializer
    queryset = ReminderRule.objects.order_by("kind", "state")
    pagination_class = None
    lookup_field = "id"
    lookup_value_regex = "[^/]+"  # a malformed id is a JSON 404, like any unknown object
