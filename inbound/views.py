"""Staff page of the unmatched mail queue ("Okopplad post"): attach to a case, or discard."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from inbound import selectors, services
from inbound.models import InboundMail

PAGE_SIZE = 25


def _require_coordinator(user) -> None:
    if not user.is_coordinator:
        raise PermissionDenied


@login_required
@require_GET
def unmatched(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request.user)
    page = Paginator(selectors.unmatched_mails(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/unmatched.html",
        {"page": page, "handled": selectors.handled_mails(), "errors": {}},
    )


@login_required
@require_POST
def unmatched_attach(request: HttpRequest, mail_id: int) -> HttpResponse:
    _require_coordinator(request.user)
    reference = request.POST.get("reference", "")
    try:
        mail = services.unmatched_attach(
            mail_id=mail_id, reference=reference, user=cast(User, request.user)
        )
    except services.InboundError as exc:
        # The list again, with the error beside this email's field and what was typed kept.
        page = Paginator(selectors.unmatched_mails(), PAGE_SIZE).get_page(request.GET.get("page"))
        errors = {"mail": mail_id, "reference": reference}
        errors["messages"] = exc.fields.get("reference") or [str(exc.message)]
        return render(
            request,
            "staff/unmatched.html",
            {"page": page, "handled": selectors.handled_mails(), "errors": errors},
            status=400,
        )
    messages.success(
        request,
        _("The email was added to case %(reference)s.") % {"reference": mail.case.reference}
        if mail.case
        else _("The email was added to the case."),
    )
    return redirect("staff-unmatched")


@login_required
@require_POST
def unmatched_discard(request: HttpRequest, mail_id: int) -> HttpResponse:
    _require_coordinator(request.user)
    try:
        services.unmatched_discard(mail_id=mail_id, user=cast(User, request.user))
    except services.InboundError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The email was discarded."))
    return redirect("staff-unmatched")


@login_required
@require_GET
def unmatched_raw(request: HttpRequest, mail_id: int) -> FileResponse:
    """The whole email as received (.eml), as a download."""
    _require_coordinator(request.user)
    mail = get_object_or_404(InboundMail, pk=mail_id)
    return FileResponse(
        default_storage.open(mail.raw.name or "", "rb"),
        as_attachment=True,
        filename=f"email-{mail.pk}.eml",
        content_type="message/rfc822",
    )
