"""What files may be attached: size limits and an allow-list of types, checked by content.

The name and the type a browser or mail client claims are never trusted: an executable called
`report.pdf` is refused. libmagic (python-magic) recognises the file from its bytes; zip-based
formats (Office Open XML, OpenDocument) are opened to check that they really are such a
document, since every zip file looks alike to libmagic's first bytes, and macro-enabled
documents (a vbaProject.bin inside) are refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Types recognised by libmagic that may be attached (old Office formats included).
ALLOWED_MAGIC = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
}
OOXML = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.graphics",
}
ZIP_MAGIC = b"PK\x03\x04"
# OLE2 (old Office, but also .msi installers): libmagic needs the directory, so all of it.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 64 * 1024
MAX_FILES_PER_MESSAGE = 10


def max_file_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_FILE_BYTES", 10 * 1024 * 1024))


def max_message_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_MESSAGE_BYTES", 25 * 1024 * 1024))


def _name(upload: File) -> str:
    return (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1] or _("(no name)")


def _zip_type(upload: File) -> str | None:
    """The Office Open XML or OpenDocument type of a zip file, or None if it is neither."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros: refused whatever the container says
            if names and names[0] == "mimetype":
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in ODF else None
            if "[Content_Types].xml" in names:
                for part, content_type in OOXML.items():
                    if part in names:
                        return content_type
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    return None


def attachment_validate(upload: File) -> str:
    """Check one file; return its content type as detected from its bytes.

    Raises ValidationError with a translated message naming the file when it is too large,
    empty, or of a type that is not allowed.
    """
    name = _name(upload)
    limit = max_file_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s). A file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size or 0),
                "limit": filesizeformat(limit),
            },
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    content_type: str | None
    if head.startswith(ZIP_MAGIC):
        content_type = _zip_type(upload)
    else:
        if head.startswith(OLE2_MAGIC):
            upload.seek(0)
            head = upload.read(limit)
        detected = magic.from_buffer(head, mime=True)
        content_type = detected if detected in ALLOWED_MAGIC else None
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            _(
                "“%(name)s” is not a file type we accept. Attach PDF, Word, Excel, PowerPoint, "
                "OpenDocument, images (PNG, JPEG, GIF, WebP) or plain text."
            )
            % {"name": name},
            code="file_type",
        )
    return content_type


def attachments_validate(uploads: Iterable[File]) -> list[str]:
    """Check the files of one message: each file, their number and their total size.

    Returns the detected content types in order; raises ValidationError with every problem.
    """
    uploads = list(uploads)
    errors: list[ValidationError] = []
    types: list[str] = []
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        errors.append(
            ValidationError(
                _("Attach at most %(count)d files to one message.")
                % {"count": MAX_FILES_PER_MESSAGE},
                code="too_many_files",
            )
        )
    for upload in uploads:
        try:
            types.append(attachment_validate(upload))
        except ValidationError as exc:
            errors.append(exc)
    total, limit = sum(upload.size or 0 for upload in uploads), max_message_bytes()
    if total > limit:
        errors.append(
            ValidationError(
                _(
                    "The files are too large together (%(size)s). A message may carry at most %(limit)s."
                )
                % {"size": filesizeformat(total), "limit": filesizeformat(limit)},
                code="message_too_large",
            )
        )
    if errors:
        raise ValidationError(errors)
    return types
