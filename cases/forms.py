from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from api.fields import MAX_LIST_ITEMS
from api.text import FreeTextField
from cases.models import MeetingKind
from directory import selectors as directory
from workflows.definition import TransitionSpec
from workflows.fields import FieldSpec, Kind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DESCRIPTION_MAX_LENGTH = 10_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of files, passed on as they came: the service checks them (by content)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        return data


class DirectoryChoiceField(forms.ModelChoiceField):
    """A model choice rendered from its queryset but resolved from the cached active directory
    (`entries` returns it, by `to_field_name`): a submission costs no query for it."""

    def __init__(self, *, entries: Callable[[], Mapping[str, Model]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries = entries

    def to_python(self, value: Any) -> Model | None:
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        entry = self.entries().get(str(value))
        if entry is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return entry


class DirectoryMultipleChoiceField(forms.ModelMultipleChoiceField):
    """DirectoryChoiceField's many-valued twin: the entries chosen, in list order."""

    def __init__(self, *, entries: Callable[[], Mapping[str, Model]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries = entries

    def clean(self, value: Any) -> list[Model]:  # type: ignore[override]
        # Counted before any value is looked at (api.fields.MAX_LIST_ITEMS).
        if isinstance(value, list | tuple) and len(value) > MAX_LIST_ITEMS:
            raise ValidationError(
                _("Choose at most %(limit)d."), code="too_many", params={"limit": MAX_LIST_ITEMS}
            )
        # A list rather than the field's queryset: nothing to evaluate when none is chosen.
        entries = super().clean(value)
        return entries if isinstance(entries, list) else []

    def _check_values(self, value: Any) -> list[Model]:
        chosen = frozenset(str(v) for v in value)  # clean() checked it is a list
        known = self.entries()
        for key in chosen:
            self.validate_no_null_characters(key)
            if key not in known:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": key},
                )
        return [entry for key, entry in known.items() if key in chosen]


class RequestForm(forms.Form):
    """The public request form. It checks the shape of the input (present, long enough, a
    municipality, areas and forms from the lists); the intake rules (line breaks, "areas or
    don't know", consent) are case_submit's, and their errors come back through
    `add_service_errors`."""

    # Form field -> case_submit parameter, where they differ.
    SERVICE_NAMES = {"collaboration_forms": "forms"}

    municipality = DirectoryChoiceField(
        entries=lambda: directory.active_directory().municipalities,
        label=_("Municipality"),
        queryset=directory.municipality_list(),
        to_field_name="code",
        empty_label=_("Choose municipality"),
        error_messages={
            "required": _("Choose your municipality."),
            "invalid_choice": _("Choose a municipality from the list."),
        },
    )
    requester_name = FreeTextField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    requester_role = FreeTextField(
        label=_("Your role or position"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    requester_email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    requester_phone = FreeTextField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    title = FreeTextField(label=_("Short title of your request"), max_length=200)
    description = FreeTextField(
        label=_("Describe your need"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What is the challenge, who is involved, and what would you like to achieve?"),
    )
    areas = DirectoryMultipleChoiceField(
        entries=lambda: directory.active_directory().areas,
        label=_("Collaboration areas"),
        queryset=directory.area_list(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area_unknown = forms.BooleanField(label=_("Don't know"), required=False)
    collaboration_forms = DirectoryMultipleChoiceField(
        entries=lambda: directory.active_directory().forms,
        label=_("Preferred forms of collaboration (optional)"),
        queryset=directory.form_list(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    timeframe = FreeTextField(
        label=_("Desired timeframe (optional)"), max_length=200, required=False
    )
    # Unticked is a valid shape (False); that consent is needed is the service's rule. The
    # checkbox is still marked required for browsers and assistive technology.
    consent = forms.BooleanField(
        label=_("I agree that my personal data is processed to handle my request."),
        required=False,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )

    # Files are checked by the conversation's service (by content); the view passes them on.
    files = FilesField(  # type: ignore[assignment]  # a field, not BaseForm.files
        label=_("Files (optional)"),
        required=False,
        help_text=_(
            "PDF, Word, Excel, PowerPoint, OpenDocument, images or plain text; at most "
            "10 MB per file and 25 MB together."
        ),
    )

    # Not the service's: a field hidden from people that scripts fill in (a honeypot), and the
    # signed time the form was shown (cases.abuse: a form sent back within seconds is a script).
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    NOT_SERVICE_FIELDS = ("homepage", "started", "files")

    def service_values(self) -> dict:
        """The fields that passed the shape check, as case_submit's keyword arguments."""
        values = {
            self.SERVICE_NAMES.get(k, k): v
            for k, v in self.cleaned_data.items()
            if k not in self.NOT_SERVICE_FIELDS
        }
        for name in ("areas", "forms"):
            if name in values:
                values[name] = list(values[name])
        return values

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        """Show the service's errors next to their fields and in the error summary; a field
        that already has a shape error keeps only that one."""
        form_names = {v: k for k, v in self.SERVICE_NAMES.items()}
        for name, messages in fields.items():
            field: str | None = form_names.get(name, name)
            if field not in self.fields:
                field = None  # shown in the summary, above the form
            elif field in self.errors:
                continue
            for message in messages:
                self.add_error(field, message)


def _contact_field(field: FieldSpec, label: StrOrPromise) -> forms.Field:
    # A search field that offers the directory as the page's <datalist id="contact-options">
    # (when it is small enough for a list); a name or an email typed without it is resolved
    # by the transition service. No 300-option dropdown, and it works without JavaScript.
    return forms.CharField(
        label=label,
        required=field.required,
        max_length=254,
        help_text=_("Name or email"),
        widget=forms.TextInput(
            attrs={"type": "search", "list": "contact-options", "autocomplete": "off"}
        ),
    )


def _choice_field(field: FieldSpec, label: StrOrPromise) -> forms.Field:
    choices = [("", format_lazy(_("Choose: {}"), field.label)), *field.choices]
    return forms.ChoiceField(label=label, choices=choices, required=field.required)


# Kind of transition field -> its HTML form field. Only shape: the service cleans the values.
FORM_FIELDS: dict[str, Callable[[FieldSpec, StrOrPromise], forms.Field]] = {
    Kind.TEXT: lambda f, label: FreeTextField(
        label=label, required=f.required, widget=forms.Textarea(attrs={"rows": 3})
    ),
    Kind.LINE: lambda f, label: FreeTextField(
        label=label, required=f.required, max_length=f.max_length
    ),
    Kind.DATE: lambda f, label: forms.DateField(
        label=label, required=f.required, widget=forms.DateInput(attrs={"type": "date"})
    ),
    Kind.CONTACT: _contact_field,
    Kind.CHOICE: _choice_field,
    # The case's planned meetings that have started; the case page fills in the choices.
    Kind.MEETING: lambda f, label: forms.ChoiceField(
        label=label, required=f.required, choices=[("", _("None: recorded afterwards"))]
    ),
}


def transition_form_field(field: FieldSpec) -> forms.Field:
    label = field.label if field.required else format_lazy(_("{} (optional)"), field.label)
    return FORM_FIELDS[field.kind](field, label)


class TransitionForm(forms.Form):
    """Renders the fields a transition needs; the transition service validates them."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, spec: TransitionSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.prefix = spec.name
        for field in spec.inputs:
            self.fields[field.name] = transition_form_field(field)


class LinkActionForm(TransitionForm):
    """The fields of one transition, for a contact person acting through a signed email link.

    No version (the link carries it) and no internal note: only what the step needs.
    """

    def __init__(self, *args, spec: TransitionSpec, **kwargs):
        super().__init__(*args, spec=spec, **kwargs)
        self.prefix = None
        del self.fields["version"]
        del self.fields["note"]


class NoteForm(forms.Form):
    text = FreeTextField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = FreeTextField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DatePlanForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the next meeting or workshop"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class MeetingForm(forms.Form):
    """A meeting's fields (shape only; cases.services.meetings checks the meaning)."""

    prefix = "meeting"
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = FreeTextField(label=_("Place (optional)"), required=False, max_length=200)
    online_url = forms.CharField(label=_("Online link (optional)"), required=False, max_length=500)
    agenda = FreeTextField(
        label=_("Agenda (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    invite_requester = forms.BooleanField(label=_("Invite the requester"), required=False)
    invite_contact = forms.BooleanField(label=_("Invite the contact person"), required=False)
    others = FreeTextField(
        label=_("Further participants (optional)"),
        required=False,
        help_text=_("One a line: name and email address, e.g. Eva Ek <eva@boras.se>."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_data(self) -> dict:
        """What the service gets: the cleaned values, or the raw text where a shape failed
        (the service then names the problem)."""
        data = {}
        for name in self.fields:
            if name in getattr(self, "cleaned_data", {}):
                data[name] = self.cleaned_data[name]
            else:
                data[name] = self.data.get(self.add_prefix(name), "")
        return data


class MeetingRecordForm(forms.Form):
    prefix = "record"
    minutes = FreeTextField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}))
    outcome = FreeTextField(
        label=_("Outcome (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
