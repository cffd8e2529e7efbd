"""API representations of cases. Read-only output plus input checks; no business rules here.

Inputs are checked in two layers: the serializer checks types (so `{"title": {}}` is a 400,
not a string "{}"), then the same service as the HTML interface checks meaning.
"""

from __future__ import annotations

from typing import cast

from django.utils.text import format_lazy
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    CappedListField,
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    StrictSlugRelatedField,
)
from cases.forms import DESCRIPTION_MAX_LENGTH
from cases.models import Case, CaseEvent
from cases.services.intake import intake_errors
from directory import selectors as directory
from directory.models import Area, CollaborationForm
from workflows.definition import (
    STATE_HELP,
    TRANSITION_NAMES,
    TransitionSpec,
    all_fields,
    requester_view,
)
from workflows.fields import FieldSpec, Kind
from workflows.models import State


class RequestSubmitSerializer(serializers.Serializer):
    """A new request. The serializer checks its shape (types, lengths, an email address, codes
    and slugs that exist); the intake rules are case_submit's, whose CaseValidationError
    answers 400 with the same `fields` as the web form's errors."""

    municipality = StrictCharField(help_text="Municipality code (kommunkod), e.g. 1490.")
    requester_name = StrictCharField(max_length=200)
    requester_email = StrictEmailField(max_length=254)
    requester_role = StrictCharField(max_length=200)
    requester_phone = StrictCharField(required=False, allow_blank=True, default="", max_length=40)
    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH)
    areas = CappedListField(
        child=StrictCharField(),
        required=False,
        default=list,
        help_text="Collaboration area slugs. At least one, unless `area_unknown` is true.",
    )
    area_unknown = StrictBooleanField(
        required=False, default=False, help_text="The requester does not know which area."
    )
    forms = CappedListField(
        child=StrictCharField(),
        required=False,
        default=list,
        help_text="Preferred forms of collaboration (slugs).",
    )
    timeframe = StrictCharField(required=False, allow_blank=True, default="", max_length=200)
    language = serializers.ChoiceField(
        choices=[("sv", "Svenska"), ("en", "English")],
        required=False,
        default="sv",
        help_text="Language of the emails to the requester.",
    )
    consent = StrictBooleanField(
        required=False,
        default=False,
        help_text="Consent to the processing of personal data; must be true.",
    )

    def validate(self, attrs: dict) -> dict:
        """Codes and slugs -> directory entries, as case_submit's keyword arguments.

        An unknown one is a 400 here; the intake rules that the rest of the request breaks are
        reported in the same answer, so a client learns everything at once, as in the form.
        """
        values, errors = dict(attrs), {}
        municipality = directory.municipality_list().filter(code=attrs["municipality"]).first()
        if municipality is None:
            errors["municipality"] = [gettext("Choose a municipality from the list.")]
            del values["municipality"]
        else:
            values["municipality"] = municipality
        lists = {
            "areas": (directory.area_list(), gettext("Choose areas from the list.")),
            "forms": (
                directory.form_list(),
                gettext("Choose forms of collaboration from the list."),
            ),
        }
        for name, (queryset, message) in lists.items():
            slugs = list(dict.fromkeys(attrs[name]))
            found = (
                {entry.slug: entry for entry in queryset.filter(slug__in=slugs)} if slugs else {}
            )
            if len(found) < len(slugs):
                errors[name] = [message]
                del values[name]
            else:
                values[name] = [found[slug] for slug in slugs]
        if errors:
            rules = intake_errors(values={k: v for k, v in values.items() if k != "language"})
            raise serializers.ValidationError(rules | errors)
        return values


class RequestCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    tracking_url = serializers.URLField(
        help_text="The requester's private link; also sent by email. Keep it secret."
    )


class _MunicipalityRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _ContactRef(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    title = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    """A case as staff see it. Every field is read-only: cases change through transitions."""

    state_label = serializers.CharField(source="get_state_display")
    municipality = _MunicipalityRef()
    contact = _ContactRef(allow_null=True)
    areas: serializers.SlugRelatedField[Area] = StrictSlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    forms: serializers.SlugRelatedField[CollaborationForm] = StrictSlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = Case
        fields = [
            "reference",
            "state",
            "state_label",
            "version",
            "municipality",
            "title",
            "description",
            "areas",
            "forms",
            "timeframe",
            "language",
            "requester_name",
            "requester_role",
            "requester_email",
            "requester_phone",
            "contact",
            "created_at",
            "state_changed_at",
            "last_activity_at",
        ]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "transition",
            "from_state",
            "to_state",
            "actor",
            "actor_label",
            "data",
            "public",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor(self, event: CaseEvent) -> str | None:
        return event.actor.email if event.actor is not None else None


class NoteSerializer(serializers.Serializer):
    text = StrictCharField(help_text="The internal note; never shown to the requester.")


class PublicEventSerializer(serializers.ModelSerializer):
    # Named as the API names it; it shadows Serializer.data only for the type checker.
    data = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = CaseEvent
        fields = ["kind", "transition", "to_state", "data", "created_at"]
        read_only_fields = fields

    def get_data(self, event: CaseEvent) -> dict[str, str]:
        """Only what the requester may see (workflows.definition.requester_view)."""
        return {item.name: item.value for item in requester_view(event.transition, event.data)}


class TrackSerializer(serializers.ModelSerializer):
    """The requester's view of their own case, as on the tracking page."""

    state_label = serializers.CharField(source="get_state_display")
    state_help = serializers.SerializerMethodField()
    municipality = _MunicipalityRef()
    contact = _ContactRef(allow_null=True)
    events = serializers.SerializerMethodField()
    can_withdraw = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "reference",
            "title",
            "state",
            "state_label",
            "state_help",
            "municipality",
            "contact",
            "events",
            "can_withdraw",
            "created_at",
        ]
        read_only_fields = fields

    def get_state_help(self, case: Case) -> str:
        return str(STATE_HELP[State(case.state)])

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_events(self, case: Case) -> list[dict]:
        events = PublicEventSerializer(self.context["events"], many=True)
        return cast(list[dict], events.data)  # a ListSerializer's data, not the field

    def get_can_withdraw(self, case: Case) -> bool:
        return self.context["can_withdraw"]


class WithdrawSerializer(serializers.Serializer):
    reason = StrictCharField(required=False, allow_blank=True, max_length=2000)


# --- Transitions: generated from the fields in the state machine's definition -------------

# Kind of field -> the `type` the API lists, and the serializer field that checks its shape
# (the transition service checks the meaning, exactly as for the HTML form).
API_TYPES = {
    Kind.TEXT: "string",
    Kind.LINE: "string",
    Kind.DATE: "date",
    Kind.CONTACT: "email",
    Kind.CHOICE: "choice",
    Kind.MEETING: "integer",
}
_API_HINTS = {
    Kind.DATE: "YYYY-MM-DD.",
    Kind.CONTACT: "The contact person's email.",
    Kind.MEETING: "The id of one of the case's planned meetings that has started.",
}


def _request_field(name: str, uses: list[tuple[TransitionSpec, FieldSpec]]) -> serializers.Field:
    field = uses[0][1]
    # e.g. "record_meeting: Date of the meeting; start_workshop: Date of the workshop.
    # YYYY-MM-DD." Lazy, so the schema is in the language it is generated in.
    labels = [(f.label, "" if f.required else " (optional)") for _spec, f in uses]
    names = [spec.name for spec, _f in uses]
    if len({(str(label), optional) for label, optional in labels}) == 1:
        # The same everywhere: "Internal note (optional): assign_contact, hand_back, …."
        template = "{}{}: " + ", ".join("{}" for _name in names) + "."
        values = [*labels[0], *names]
    else:
        template = "; ".join("{}: {}{}" for _name in names) + "."
        values = [v for name, lab in zip(names, labels, strict=True) for v in (name, *lab)]
    hint = _API_HINTS.get(field.kind)
    help_text = format_lazy(f"{template} {hint}" if hint else template, *values)
    if field.kind == Kind.CHOICE:
        choices = [value for value, _label in field.choices]
        return serializers.ChoiceField(choices=choices, required=False, help_text=help_text)
    if field.kind == Kind.MEETING:
        return serializers.IntegerField(
            required=False, allow_null=True, min_value=1, help_text=help_text
        )
    return StrictCharField(required=False, allow_blank=True, help_text=help_text)


def transition_fields(spec: TransitionSpec) -> list[dict]:
    """The fields of one transition as the API lists them (GET …/transitions/)."""
    result = []
    for field in spec.inputs:
        item = {
            "name": field.name,
            "label": str(field.label),
            "required": field.required,
            "type": API_TYPES[field.kind],
        }
        if field.choices:
            item["choices"] = [value for value, _label in field.choices]
        result.append(item)
    return result


class TransitionFieldSerializer(serializers.Serializer):
    # Field names of the API's description of a field; they shadow attributes of DRF's Field
    # only for the type checker (a serializer's fields are declared, not inherited).
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    type = serializers.ChoiceField(choices=sorted(set(API_TYPES.values())))
    choices = serializers.ListField(child=serializers.CharField(), required=False)


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=TRANSITION_NAMES)
    label = serializers.CharField()  # type: ignore[assignment]
    target = serializers.ChoiceField(choices=State.choices)
    fields = TransitionFieldSerializer(many=True)  # type: ignore[assignment]


class AvailableTransitionsSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices)
    version = serializers.IntegerField(
        help_text="Send back as `version` to get a 409 if the case changes meanwhile."
    )
    transitions = AvailableTransitionSerializer(many=True)


class _TransitionRequestBase(serializers.Serializer):
    transition = serializers.ChoiceField(choices=TRANSITION_NAMES)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The case version you acted on; a different current version gives 409.",
    )


TransitionRequestSerializer = type(
    "TransitionRequestSerializer",
    (_TransitionRequestBase,),
    {
        "__doc__": "`transition` plus the fields that transition needs (see GET on the same URL).",
        **{name: _request_field(name, uses) for name, uses in all_fields().items()},
    },
)
