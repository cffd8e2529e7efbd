"""Shapes of input; the rules (deadline, duplicates, capacity, times) are the services'."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from activities import services
from activities.models import Activity
from directory.models import Area, Municipality


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


# What coordinators set on an activity, in the admin and on their own pages.
EDITABLE = (
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
)


class ActivityAdminForm(forms.ModelForm):
    """The admin's form: the service's rules (times, deadline) as field errors."""

    class Meta:
        model = Activity
        fields = (*EDITABLE, "published")

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


class LocalDateTimeInput(forms.DateTimeInput):
    """A native date-and-time picker (no JavaScript of ours); the value is local time in
    Europe/Stockholm, the site's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ActivityStaffForm(forms.ModelForm):
    """The coordinators' page: the same rules as the admin, plus the seats the confirmed
    participants already hold (checked again under the row lock by the service)."""

    class Meta:
        model = Activity
        fields = EDITABLE
        widgets = {
            "starts_at": LocalDateTimeInput(),
            "ends_at": LocalDateTimeInput(),
            "registration_deadline": LocalDateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
            "municipalities": forms.CheckboxSelectMultiple(),
            "areas": forms.CheckboxSelectMultiple(),
        }
        help_texts = {
            "starts_at": _("Local time (Europe/Stockholm)."),
            "online_url": _("Sent to the participants in the confirmation, not shown publicly."),
        }

    def __init__(self, *args, confirmed: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.confirmed = confirmed
        # The picker shows minutes: compare what comes back with the minute shown, so that
        # seconds in a stored time (from the API or a script) are no "change" that would send
        # every participant an update.
        for name in ("starts_at", "ends_at", "registration_deadline"):
            value = self.initial.get(name)
            if value is not None:
                self.initial[name] = value.replace(second=0, microsecond=0)
        # Active entries, and whatever the activity already has (an edit loses nothing).
        kept_m = self.instance.municipalities.all() if self.instance.pk else []
        kept_a = self.instance.areas.all() if self.instance.pk else []
        municipalities = self.fields["municipalities"]
        areas = self.fields["areas"]
        assert isinstance(municipalities, forms.ModelMultipleChoiceField)
        assert isinstance(areas, forms.ModelMultipleChoiceField)
        municipalities.queryset = Municipality.objects.filter(
            Q(active=True) | Q(pk__in=kept_m)
        ).order_by("name")
        areas.queryset = Area.objects.filter(Q(active=True) | Q(pk__in=kept_a)).order_by("name_sv")
        # Codes and slugs, like the public form and the API, not database ids.
        municipalities.to_field_name = "code"
        areas.to_field_name = "slug"

    def clean(self):
        cleaned = super().clean()
        values = {
            name: cleaned[name]
            for name in ("starts_at", "ends_at", "registration_deadline", "capacity")
            if cleaned.get(name) is not None
        }
        new = not self.instance.pk
        errors = services.activity_errors(
            values=values,
            start_may_be_past=not new and "starts_at" not in self.changed_data,
            deadline_may_be_past=not new and "registration_deadline" not in self.changed_data,
            confirmed=self.confirmed,
        )
        self.add_service_errors(errors)
        return cleaned

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        for name, messages in fields.items():
            field = name if name in self.fields else None
            for message in messages:
                if message not in self.errors.get(field or "__all__", []):
                    self.add_error(field, message)


class ActivityCasesForm(forms.Form):
    references = forms.CharField(
        label=_("Case references"),
        help_text=_("One or more references, separated by spaces, commas or lines."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActivityCancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, cancel the activity and tell everyone registered."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the cancellation.")},
    )
