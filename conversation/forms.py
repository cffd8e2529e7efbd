"""The message forms (case page, tracking page, request form). They check shape only: the
services check the text and the files (conversation.services, conversation.attachments)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from api.text import FreeTextField
from conversation.services import BODY_MAX_LENGTH


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of files; the view hands request.FILES.getlist(name) to the service."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "PDF, Word, Excel, PowerPoint, OpenDocument, images or plain text; at most "
                "10 MB per file and 25 MB together."
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        return data


class StaffMessageForm(forms.Form):
    prefix = "message"
    body = FreeTextField(
        label=_("Message to the requester"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = FilesField(label=_("Files"))  # type: ignore[assignment]  # a field, not BaseForm.files


class ReplyForm(forms.Form):
    prefix = "reply"
    body = FreeTextField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = FilesField(label=_("Files (optional)"))  # type: ignore[assignment]


class ReplyTemplateForm(forms.Form):
    name = FreeTextField(label=_("Name"), max_length=100)
    body = FreeTextField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("{name} becomes the requester's name, {reference} the reference."),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
