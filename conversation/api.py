"""REST API for the conversation: staff read and write a case's messages (multipart with
files), download its files; the requester reads and writes through the tracking token.

As in cases.api: a case the caller may not see is a 404; permission is checked before input
(a read-only caller learns nothing from a 400); services do the work and raise domain errors
that api.errors maps to responses.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.fields import StrictCharField
from cases import policy, selectors
from cases.api import ApiView
from cases.errors import ActionForbidden
from cases.models import Case
from conversation import selectors as conversation
from conversation.downloads import attachment_response
from conversation.models import Attachment, Channel, Message
from conversation.services import BODY_MAX_LENGTH, requester_message_add, staff_message_send


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download the file.")

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "sha256", "url"]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        case: Case = self.context["case"]
        token = self.context.get("token")
        if token:
            return reverse("track-attachment", args=[token, attachment.pk])
        return reverse("api:case-attachment", args=[case.reference, attachment.pk])


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="The staff member who wrote it.")
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "author",
            "body",
            "channel",
            "flagged",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields

    def get_author(self, message: Message) -> str | None:
        if message.author is None:
            return None
        return message.author.get_full_name() or message.author.email

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, message: Message) -> Any:
        return AttachmentSerializer(message.attachments.all(), many=True, context=self.context).data


class MessageCreateSerializer(serializers.Serializer):
    body = StrictCharField(
        max_length=BODY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The message text.",
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Files (multipart/form-data): PDF, Office, OpenDocument, images, plain text.",
    )


def _visible_case(request: Request, reference: str) -> Case:
    case = selectors.case_for_staff(reference=reference)
    if case is None or not policy.can_view_case(request.user, case):
        raise NotFound(gettext("No case with this reference."))
    return case


def _case_for_token(token: str) -> Case:
    case = selectors.case_for_token(token=token)
    if case is None:
        raise NotFound(gettext("No request matches this link."))
    return case


def _messages(case: Case, token: str = "") -> Any:
    return MessageSerializer(
        conversation.case_messages(case=case),
        many=True,
        context={"case": case, "token": token},
    ).data


def _created(case: Case, message: Message, token: str = "") -> Response:
    data = MessageSerializer(message, context={"case": case, "token": token}).data
    return Response(data, status=status.HTTP_201_CREATED)


def _input(request: Request) -> dict:
    serializer = MessageCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return {
        "body": serializer.validated_data.get("body", ""),
        "files": request.FILES.getlist("files") if request.FILES else [],
    }


REQUEST_BODY = {
    "multipart/form-data": MessageCreateSerializer,
    "application/json": MessageCreateSerializer,
}


class CaseMessagesView(ApiView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    extra_error_codes = {"POST": ("409",)}

    @extend_schema(
        operation_id="cases_messages_list",
        responses={200: MessageSerializer(many=True)},
        tags=["cases"],
        summary="The conversation with the requester, oldest first",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        return Response(_messages(case))

    @extend_schema(
        operation_id="cases_messages_create",
        request=REQUEST_BODY,
        responses={201: MessageSerializer},
        tags=["cases"],
        summary="Write to the requester (emailed, shown on the tracking page); files as multipart",
    )
    def post(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        # Permission before input checks: a read-only caller learns nothing from a 400.
        if not policy.can_act_on_case(request.user, case):
            raise ActionForbidden()
        message = staff_message_send(
            case=case, user=request.user, channel=Channel.API, **_input(request)
        )
        return _created(case, message)


class CaseAttachmentView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cases_attachments_retrieve",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["cases"],
        summary="Download a file of the case (Content-Disposition: attachment)",
    )
    def get(self, request: Request, reference: str, id: int):
        case = _visible_case(request, reference)
        attachment = conversation.case_attachment(case_id=case.pk, attachment_id=id)
        response = attachment_response(attachment) if attachment is not None else None
        if response is None:
            raise NotFound(gettext("No such file."))
        return response


class TrackMessagesView(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    extra_error_codes = {"POST": ("409",)}

    @extend_schema(
        operation_id="track_messages_list",
        responses={200: MessageSerializer(many=True)},
        tags=["requests"],
        summary="The conversation, as the requester sees it (the token is the credential)",
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(_messages(_case_for_token(token), token))

    @extend_schema(
        operation_id="track_messages_create",
        request=REQUEST_BODY,
        responses={201: MessageSerializer},
        tags=["requests"],
        summary="Reply or add information and files while the request is open",
    )
    def post(self, request: Request, token: str) -> Response:
        case = _case_for_token(token)
        message = requester_message_add(case=case, channel=Channel.API, **_input(request))
        return _created(case, message, token)
