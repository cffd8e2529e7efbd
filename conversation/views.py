"""Attachment downloads and the coordinators' reply templates.

Attachment downloads: only to staff who may see the case, or to the tracking link's holder.

The file is streamed from storage (never a public URL, which S3 or a web server would serve
to anyone who has it) as a download: `Content-Disposition: attachment`, the type detected at
upload, `nosniff`, and a sandbox policy, so a file can never run as a page of this site.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import policy, selectors
from cases.errors import CaseValidationError
from conversation import selectors as conversation
from conversation.downloads import attachment_response
from conversation.forms import ReplyTemplateForm
from conversation.models import ReplyTemplate
from conversation.services import reply_template_save


def _download(attachment) -> FileResponse:
    response = attachment_response(attachment)
    if response is None:
        raise Http404(_("This file is no longer available."))
    return response


@login_required
def staff_attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    case = selectors.case_for_staff(reference=reference)
    # A case the user may not see answers exactly like one that does not exist.
    if case is None or not policy.can_view_case(request.user, case):
        raise Http404(_("No case with this reference."))
    attachment = conversation.case_attachment(case_id=case.pk, attachment_id=attachment_id)
    if attachment is None:
        raise Http404(_("No such file."))
    return _download(attachment)


def track_attachment(request: HttpRequest, token: str, attachment_id: int) -> FileResponse:
    case = selectors.case_for_token(token=token)
    if case is None:
        raise Http404(_("No such file."))
    attachment = conversation.case_attachment(case_id=case.pk, attachment_id=attachment_id)
    if attachment is None:
        raise Http404(_("No such file."))
    return _download(attachment)


@login_required
@require_http_methods(["GET", "POST"])
def reply_templates(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    """Coordinators keep the reply templates: the list, a new one, or one changed."""
    if not request.user.is_coordinator:  # type: ignore[union-attr]
        raise PermissionDenied
    template = get_object_or_404(ReplyTemplate, pk=template_id) if template_id else None
    if request.method == "POST":
        form = ReplyTemplateForm(request.POST)
        if form.is_valid():
            try:
                saved = reply_template_save(
                    user=request.user, template=template, **form.cleaned_data
                )
            except CaseValidationError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field, error)
            else:
                messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
                return redirect("staff-reply-templates")
    elif template is not None:
        form = ReplyTemplateForm(
            initial={"name": template.name, "body": template.body, "active": template.active}
        )
    else:
        form = ReplyTemplateForm()
    return render(
        request,
        "staff/reply_templates.html",
        {"form": form, "template": template, "templates": conversation.reply_templates_all()},
        status=400 if form.errors else 200,
    )
