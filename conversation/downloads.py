"""One way to hand out a file: streamed from storage as a download that can never run as a page
of this site (the HTML views and the API both use it)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse

from conversation.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse | None:
    """The file as `Content-Disposition: attachment`, its detected type, `nosniff` and a
    sandbox policy; None when storage no longer has it."""
    try:
        handle = default_storage.open(attachment.file.name or "")
    except FileNotFoundError:
        return None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
