from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.services.transitions import OUTCOMES
from directory import selectors as directory
from workflows.definition import TransitionSpec

DESCRIPTION_MAX_LENGTH = 10_000


def single_line(value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValidationError(_("Line breaks are not allowed here."), code="newline")


class RequestForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=directory.municipality_list(),
        to_field_name="code",
        empty_label=_("Choose municipality"),
        error_messages={
            "required": _("Choose your municipality."),
            "invalid_choice": _("Choose a municipality from the list."),
        },
    )
    requester_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    requester_role = forms.CharField(
        label=_("Your role or position"),
        max_length=200,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    requester_email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        validators=[single_line],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    requester_phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    title = forms.CharField(
        label=_("Short title of your request"), max_length=200, validators=[single_line]
    )
    description = forms.CharField(
        label=_("Describe your need"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What is the challenge, who is involved, and what would you like to achieve?"),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Collaboration areas"),
        queryset=directory.area_list(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area_unknown = forms.BooleanField(label=_("Don't know"), required=False)
    collaboration_forms = forms.ModelMultipleChoiceField(
        label=_("Preferred forms of collaboration (optional)"),
        queryset=directory.form_list(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    timeframe = forms.CharField(
        label=_("Desired timeframe (optional)"),
        max_length=200,
        required=False,
        validators=[single_line],
    )
    consent = forms.BooleanField(
        label=_("I agree that my personal data is processed to handle my request."),
        error_messages={"required": _("You must agree to the processing of personal data.")},
    )

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("areas")
            and not cleaned.get("area_unknown")
            and "areas" not in self.errors
        ):
            self.add_error("areas", _("Choose at least one area, or “Don't know”."))
        return cleaned


class TransitionForm(forms.Form):
    """Renders the fields a transition needs; the transition service validates them."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, spec: TransitionSpec, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.prefix = spec.name
        for name in spec.fields:
            self.fields[name] = self._field(name, required=name in spec.required)
        self.fields["note"] = forms.CharField(
            label=_("Internal note (optional)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def _field(self, name: str, required: bool) -> forms.Field:
        if name == "contact":
            choices = directory.contact_choices()
            if choices is None:
                return forms.EmailField(
                    label=_("Contact person's email"),
                    required=required,
                    help_text=_(
                        "Pick one of the suggestions, or type the email from the directory."
                    ),
                )
            return forms.ChoiceField(
                label=_("Contact person"),
                choices=[("", _("Choose contact person")), *choices],
                required=required,
            )
        if name == "date":
            return forms.DateField(
                label=_("Date"), required=required, widget=forms.DateInput(attrs={"type": "date"})
            )
        if name == "outcome":
            choices = [("", _("Choose outcome"))] + list(OUTCOMES.items())
            return forms.ChoiceField(label=_("Outcome"), choices=choices, required=required)
        if name == "title":
            return forms.CharField(label=_("Project title"), required=required, max_length=200)
        labels = {
            "notes": _("Meeting notes"),
            "purpose": _("Purpose"),
            "summary": _("Summary"),
            "reason": _("Reason") if required else _("Reason (optional)"),
        }
        return forms.CharField(
            label=labels[name], required=required, widget=forms.Textarea(attrs={"rows": 3})
        )


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
    text = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
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
