"""REST API v1 for the directory: municipalities, areas, forms of collaboration, contacts.

Anyone may read the active entries (they are the public catalogue); administrators may also
read inactive ones, create and update. Nothing is deleted through the API: cases refer to
these rows, so an entry is retired with `"active": false`.

The serializers check shape; every write goes through `directory_entry_save`, which applies
the same rules as the CSV import.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.fields import (
    MAX_LIST_ITEMS,
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    StrictSlugField,
    StrictSlugRelatedField,
)
from api.parsers import JSONParser
from api.schema import ApiAutoSchema
from directory.models import Area, CollaborationForm, ContactPerson, Municipality
from directory.services import directory_entry_save


class ReadOnlyOrAdministrator(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_administrator)


class DirectorySerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.SlugField: StrictSlugField,
    }


class MunicipalitySerializer(DirectorySerializer):
    code = StrictCharField(
        max_length=4,
        validators=[RegexValidator(r"^\d{4}\Z", "Four digits (kommunkod).")],
        help_text="Kommunkod, four digits.",
    )

    class Meta:
        model = Municipality
        fields = ["code", "name", "org_number", "member", "active"]

    def validate_code(self, value: str) -> str:
        others = Municipality.objects.filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A municipality with this code already exists.")
        return value


class AreaSerializer(DirectorySerializer):
    name = serializers.CharField(read_only=True, help_text="In the request's language.")
    description = serializers.CharField(read_only=True, help_text="In the request's language.")

    class Meta:
        model = Area
        fields = [
            "slug",
            "name",
            "name_sv",
            "name_en",
            "description",
            "description_sv",
            "description_en",
            "active",
        ]


# Explicit bounds (PositiveSmallIntegerField's range) keep the schema the same on every database.
SMALL_INT_MAX = 32767


class CollaborationFormSerializer(DirectorySerializer):
    lead_time_weeks = serializers.IntegerField(required=False, min_value=0, max_value=SMALL_INT_MAX)
    name = serializers.CharField(read_only=True, help_text="In the request's language.")
    description = serializers.CharField(read_only=True, help_text="In the request's language.")

    class Meta:
        model = CollaborationForm
        fields = [
            "slug",
            "name",
            "name_sv",
            "name_en",
            "lead_time_weeks",
            "description",
            "description_sv",
            "description_en",
            "active",
        ]


class ContactPersonSerializer(DirectorySerializer):
    areas = StrictSlugRelatedField(
        slug_field="slug", many=True, queryset=Area.objects.all(), required=False
    )
    max_active_cases = serializers.IntegerField(
        required=False, min_value=0, max_value=SMALL_INT_MAX
    )

    def to_internal_value(self, data):
        # DRF's many-related field takes any iterable, {} included; the schema says array.
        if isinstance(data, dict) and "areas" in data and not isinstance(data["areas"], list):
            raise serializers.ValidationError(
                {
                    "areas": [
                        serializers.ListField.default_error_messages["not_a_list"].format(
                            input_type=type(data["areas"]).__name__
                        )
                    ]
                }
            )
        if isinstance(data, dict) and len(data.get("areas") or ()) > MAX_LIST_ITEMS:
            raise serializers.ValidationError(
                {
                    "areas": [
                        serializers.ListField.default_error_messages["max_length"].format(
                            max_length=MAX_LIST_ITEMS
                        )
                    ]
                }
            )
        return super().to_internal_value(data)

    class Meta:
        model = ContactPerson
        fields = [
            "email",
            "name",
            "title",
            "department",
            "phone",
            "areas",
            "keywords",
            "languages",
            "max_active_cases",
            "bio_sv",
            "active",
        ]


class DirectoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    permission_classes = [ReadOnlyOrAdministrator]
    pagination_class = None
    public_methods = ("GET",)
    model: type
    lookup_value_regex = "[^/]+"

    def perform_create(self, serializer) -> None:
        serializer.instance = _saved(self.model(), serializer.validated_data)

    def perform_update(self, serializer) -> None:
        serializer.instance = _saved(serializer.instance, serializer.validated_data)

    def get_queryset(self):
        qs = self.model.objects.all()
        user = self.request.user
        if not (user and user.is_authenticated and user.is_administrator):
            qs = qs.filter(active=True)
        return qs


def _saved(instance, data):
    """Save through the service; its field errors become the API's 400 with the fields named."""
    try:
        return directory_entry_save(instance=instance, data=data)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc


def _tagged(tag: str):
    return extend_schema_view(
        list=extend_schema(tags=[tag]),
        retrieve=extend_schema(tags=[tag]),
        create=extend_schema(tags=[tag], summary="Create (administrators)"),
        update=extend_schema(tags=[tag], summary="Replace (administrators)"),
        partial_update=extend_schema(tags=[tag], summary="Update (administrators)"),
    )


@_tagged("directory")
class MunicipalityViewSet(DirectoryViewSet):
    model = Municipality
    serializer_class = MunicipalitySerializer
    lookup_field = "code"


@_tagged("directory")
class AreaViewSet(DirectoryViewSet):
    model = Area
    serializer_class = AreaSerializer
    lookup_field = "slug"


@_tagged("directory")
class CollaborationFormViewSet(DirectoryViewSet):
    model = CollaborationForm
    serializer_class = CollaborationFormSerializer
    lookup_field = "slug"


@_tagged("directory")
class ContactPersonViewSet(DirectoryViewSet):
    model = ContactPerson
    serializer_class = ContactPersonSerializer
    lookup_field = "email"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("areas")
