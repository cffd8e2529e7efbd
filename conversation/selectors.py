"""Conversation reads: a case's messages with their files in a fixed number of queries."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet

from cases.models import Case
from conversation.models import Attachment, Message, ReplyTemplate


def case_messages(*, case: Case) -> list[Message]:
    """The conversation, oldest first: two queries whatever its length."""
    return list(
        Message.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


MESSAGE_FIELDS = (
    "id",
    "direction",
    "author__first_name",
    "author__last_name",
    "author__email",
    "body",
    "channel",
    "sender_email",
    "flagged",
    "flag_reasons",
    "refused_files",
    "created_at",
    "erased_at",
)


def case_messages_shown(*, case: Case) -> list[dict]:
    """The conversation as the case page and the tracking page print it, oldest first: plain
    dicts (no model instances: building 50 messages and their prefetch was a fifth of the
    tracking page), each with `files` (id, filename, size). Two queries, one if no messages."""
    messages = [
        dict(zip(MESSAGE_FIELDS, row, strict=True))
        for row in Message.objects.filter(case=case)
        .order_by("created_at", "id")
        .values_list(*MESSAGE_FIELDS)
    ]
    if not messages:
        return messages
    files: dict[int, list[tuple[int, str, int]]] = {}
    for message_id, pk, filename, size in (
        Attachment.objects.filter(message__case=case)
        .order_by("id")
        .values_list("message_id", "id", "filename", "size")
    ):
        files.setdefault(message_id, []).append((pk, filename, size))
    for message in messages:
        message["files"] = files.get(message["id"], ())
    return messages


def case_attachment(*, case_id: int, attachment_id: int) -> Attachment | None:
    """One file of a case (None if it is not that case's)."""
    return (
        Attachment.objects.filter(pk=attachment_id, message__case_id=case_id)
        .exclude(file="")
        .first()
    )


REPLY_TEMPLATES_KEY = "conversation:reply-templates"


def reply_templates() -> list[ReplyTemplate]:
    """The templates in use, by name: from the shared cache, so the case page pays no query
    for them. A change (the coordinators' page or the admin) drops the cached list."""
    templates = cache.get(REPLY_TEMPLATES_KEY)
    if templates is None:
        templates = list(ReplyTemplate.objects.filter(active=True).order_by("name"))
        cache.set(REPLY_TEMPLATES_KEY, templates, timeout=300)
    return templates


def reply_templates_changed(**kwargs: object) -> None:
    cache.delete(REPLY_TEMPLATES_KEY)


def reply_templates_all() -> QuerySet[ReplyTemplate]:
    """Every template, active first (the coordinators' page)."""
    return ReplyTemplate.objects.order_by("-active", "name")
