"""Staff outbox page: messages by status, kind and recipient; retry one, or every failed one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors, services
from notifications.models import OutboxStatus

OUTBOX_PAGE_SIZE = 50


def _require_coordinator(user) -> None:
    if not user.is_coordinator:
        raise PermissionDenied


def _filters(query: QueryDict) -> dict[str, str]:
    """status: one of OutboxStatus, "all", or (absent) "failed": what staff come here for."""
    status = query.get("status", OutboxStatus.FAILED)
    if status not in OutboxStatus.values:
        status = "all"
    return {"status": status, "kind": query.get("kind", "")[:40], "q": query.get("q", "")[:200]}


def _outbox_url(filters: dict[str, str]) -> str:
    query = QueryDict(mutable=True)
    query.update({name: value for name, value in filters.items() if value})
    return f"{reverse('staff-outbox')}?{query.urlencode()}"


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request.user)
    filters = _filters(request.GET)
    rows = selectors.outbox_messages(
        status="" if filters["status"] == "all" else filters["status"],
        kind=filters["kind"],
        q=filters["q"],
    )
    page = selectors.CappedPaginator(rows, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/outbox.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": OutboxStatus.choices,
            "kinds": sorted({*selectors.outbox_kinds(), filters["kind"]} - {""}),
            "backlog": selectors.outbox_backlog(),
        },
    )


@login_required
@require_POST
def outbox_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_coordinator(request.user)
    if services.message_retry(message_id=message_id):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.error(request, _("The message is not waiting for a retry."))
    # Back to the list as it was filtered (the form's action carries the filter).
    return redirect(_outbox_url(_filters(request.GET)))


@login_required
@require_http_methods(["GET", "POST"])
def outbox_retry_failed(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation (how many, which filter); POST retries them all at once."""
    _require_coordinator(request.user)
    source = request.POST if request.method == "POST" else request.GET
    filters = {**_filters(source), "status": OutboxStatus.FAILED}
    if request.method == "POST":
        count = services.messages_retry_failed(kind=filters["kind"], q=filters["q"])
        messages.success(
            request,
            ngettext(
                "%(count)d failed message will be sent again.",
                "%(count)d failed messages will be sent again.",
                count,
            )
            % {"count": count},
        )
        return redirect(_outbox_url(filters))
    failed = selectors.outbox_messages(
        status=OutboxStatus.FAILED, kind=filters["kind"], q=filters["q"]
    )
    return render(
        request,
        "staff/outbox_retry_failed.html",
        {"count": failed.count(), "filters": filters, "back": _outbox_url(filters)},
    )
