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
