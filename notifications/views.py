"""Staff outbox page: failed messages, and a retry button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services


def _require_coordinator(user) -> None:
    if not user.is_coordinator:
        raise PermissionDenied


@login_required
def outbox(request):
    _require_coordinator(request.user)
    return render(
        request,
        "staff/outbox.html",
        {"failed": selectors.failed_messages()[:200], "backlog": selectors.outbox_backlog()},
    )


@login_required
@require_POST
def outbox_retry(request, message_id: int):
    _require_coordinator(request.user)
    if services.message_retry(message_id=message_id):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.error(request, _("The message is not waiting for a retry."))
    return redirect("staff-outbox")
