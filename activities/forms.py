"""Shapes of input; the rules (deadline, duplicates, capacity, times) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from activities import services
from activities.models import Activity
from directory.models import Municipality


class RegistrationForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(active=True).order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("Not from a municipality"),
        error_messages={"invalid_choice": _("Choose a municipality from the list.")},
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    role = forms.CharField(
        label=_("Your role"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    needs = forms.CharField(
        label=_("Dietary or access needs"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    join_waiting_list = forms.BooleanField(
        label=_("If the activity is full, put me on the waiting list."),
        required=False,
    )
    consent = forms.BooleanField(
        label=_("I agree that my personal data is processed to handle my registration."),
        required=False,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        for name, messages in fields.items():
            field = name if name in self.fields else None
            for message in messages:
                if field is None or field not in self.errors:
                    self.add_error(field, message)


class ActivityAdminForm(forms.ModelForm):
    """The admin's form: the service's rules (times, deadline) as field errors."""

    class Meta:
        model = Activity
        fields = (
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
            "registration_deadline",
            "municipalities",
            "areas",
            "published",
        )

    def clean(self):
        cleaned = super().clean()
        values = {
            name: cleaned[name]
            for name in ("starts_at", "ends_at", "registration_deadline", "capacity")
            if cleaned.get(name) is not None
        }
        errors = services.activity_errors(
            values=values,
            start_may_be_past=bool(self.instance.pk) and "starts_at" not in self.changed_data,
        )
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return cleaned
