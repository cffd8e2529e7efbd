"""REST API v1 for a case's meetings and workshops: list, plan, change, cancel.

Everyone who sees the case reads its meetings; staff who may act on it plan, change and
cancel them (cases.policy), through the same services as the case page, so the invitations,
the checks and the errors are the same.
"""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.fields import StrictCharField
from cases import policy
from cases.actors import Actor
from cases.api import ApiView, _visible_case
from cases.errors import ActionForbidden
from cases.models import Case, CaseMeeting, MeetingKind
from cases.services.meetings import meeting_cancel, meeting_plan, meeting_update


class ParticipantSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    email = serializers.EmailField()


class ParticipantOutSerializer(ParticipantSerializer):
    role = serializers.CharField()


class MeetingSerializer(serializers.ModelSerializer):
    participants = ParticipantOutSerializer(many=True, read_only=True)

    class Meta:
        model = CaseMeeting
        fields = [
            "id",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "all_day",
            "place",
            "online_url",
            "agenda",
            "minutes",
            "outcome",
            "uid",
            "sequence",
            "participants",
        ]
        read_only_fields = fields


class MeetingWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.values, default=MeetingKind.MEETING)
    starts_at = serializers.DateTimeField(
        help_text="Local time in Europe/Stockholm (2027-06-03T09:00) or with an offset."
    )
    ends_at = serializers.DateTimeField(help_text="After starts_at.")
    place = StrictCharField(max_length=200, required=False, allow_blank=True)
    online_url = StrictCharField(max_length=500, required=False, allow_blank=True)
    agenda = StrictCharField(max_length=10_000, required=False, allow_blank=True)
    invite_requester = serializers.BooleanField(default=True)
    invite_contact = serializers.BooleanField(default=True)
    others = ParticipantSerializer(
        many=True, required=False, help_text="Further participants by name and email."
    )

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        data["others"] = "\n".join(
            f"{p.get('name') or ''} <{p['email']}>".strip() for p in data.get("others", [])
        )
        return data


def _meetings(case: Case):
    return CaseMeeting.objects.filter(case=case).prefetch_related("participants")


def _meeting(case: Case, meeting_id: int) -> CaseMeeting:
    meeting = _meetings(case).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(gettext("No meeting with this id on this case."))
    return meeting


def _may_act(request: Request, case: Case) -> None:
    # Permission before input checks: a read-only caller learns nothing from a 400.
    if not policy.can_plan_meetings(Actor.staff(request.user), case):
        raise ActionForbidden()


class CaseMeetingsView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_meetings_list",
        responses={200: MeetingSerializer(many=True)},
        tags=["meetings"],
        summary="The case's meetings and workshops",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        return Response(MeetingSerializer(_meetings(case), many=True).data)

    @extend_schema(
        operation_id="cases_meetings_create",
        request=MeetingWriteSerializer,
        responses={201: MeetingSerializer},
        tags=["meetings"],
        summary="Plan a meeting or workshop (every participant gets the invitation)",
    )
    def post(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        _may_act(request, case)
        serializer = MeetingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = meeting_plan(
            case=case, actor=Actor.staff(request.user), data=serializer.service_data()
        )
        return Response(
            MeetingSerializer(_meeting(case, meeting.pk)).data, status=status.HTTP_201_CREATED
        )


class CaseMeetingDetailView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_meetings_retrieve",
        responses={200: MeetingSerializer},
        tags=["meetings"],
    )
    def get(self, request: Request, reference: str, id: int) -> Response:
        case = _visible_case(request, reference)
        return Response(MeetingSerializer(_meeting(case, id)).data)

    @extend_schema(
        operation_id="cases_meetings_update",
        request=MeetingWriteSerializer,
        responses={200: MeetingSerializer},
        tags=["meetings"],
        summary="Change a planned meeting (same UID, higher SEQUENCE to every participant)",
    )
    def put(self, request: Request, reference: str, id: int) -> Response:
        case = _visible_case(request, reference)
        _may_act(request, case)
        _meeting(case, id)
        serializer = MeetingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting_update(
            case=case,
            meeting_id=id,
            actor=Actor.staff(request.user),
            data=serializer.service_data(),
        )
        return Response(MeetingSerializer(_meeting(case, id)).data)


class CaseMeetingCancelView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_meetings_cancel",
        request=None,
        responses={200: MeetingSerializer},
        tags=["meetings"],
        summary="Cancel a planned meeting (METHOD:CANCEL to every participant)",
    )
    def post(self, request: Request, reference: str, id: int) -> Response:
        case = _visible_case(request, reference)
        _may_act(request, case)
        _meeting(case, id)
        meeting_cancel(case=case, meeting_id=id, actor=Actor.staff(request.user))
        return Response(MeetingSerializer(_meeting(case, id)).data)
