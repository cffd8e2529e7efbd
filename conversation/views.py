"""Attachment downloads: only to staff who may see the case, or to the tracking link's holder.

The file is streamed from storage (never a public URL, which S3 or a web server would serve
to anyone who has it) as a download: `Content-Disposition: attachment`, the type detected at
upload, `nosniff`, and a sandbox policy, so a file can never run as a page of this site.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _

from cases import policy, selectors
from conversation import selectors as conversation
from conversation.downloads import attachment_response


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
