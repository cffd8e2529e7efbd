"""A contact person's own directory entry: keywords, areas, capacity, languages, away until.

Staff UI, so it lives with the staff pages; the write is the directory's own service
(`directory_entry_save`), which validates as the import does. There is no id in the URL:
the page always edits the signed-in user's entry, so nobody can reach another person's.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Notify, User
from accounts.services import user_notifications_save
from directory import selectors
from directory.forms import KeywordsField, keywords_as_lines, keywords_from_lines, language_choices
from directory.models import ContactPerson
from directory.services import directory_entry_save


class ProfileForm(forms.Form):
    keywords = KeywordsField()
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Areas"),
        queryset=selectors.area_list(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_active_cases = forms.IntegerField(
        label=gettext_lazy("Capacity (active cases at a time)"),
        min_value=0,
        max_value=100,
    )
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages you can meet in"),
        widget=forms.CheckboxSelectMultiple,
    )
    away_until = forms.DateField(
        label=gettext_lazy("Away until"),
        help_text=gettext_lazy(
            "Leave empty when you are here. Up to and including this day you are not suggested "
            "for new cases, and the directory says you are away."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, person: ContactPerson, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["languages"]).choices = language_choices(
            person.language_list
        )

    @staticmethod
    def initial_for(person: ContactPerson) -> dict:
        return {
            "keywords": keywords_as_lines(person),
            "areas": list(person.areas.all()),
            "max_active_cases": person.max_active_cases,
            "languages": person.language_list,
            "away_until": person.away_until,
        }

    def entry_data(self) -> dict:
        """The cleaned values in the stored format: keywords and languages ';'-joined."""
        data = self.cleaned_data
        return {
            "keywords": keywords_from_lines(data["keywords"]),
            "areas": list(data["areas"]),
            "max_active_cases": data["max_active_cases"],
            "languages": ";".join(data["languages"]),
            "away_until": data["away_until"],
        }


class NotifyForm(forms.Form):
    """How the user hears of what needs them: at once by email, in the daily digest, or not."""

    prefix = "notify"
    notify_reply = forms.ChoiceField(
        label=gettext_lazy("A requester replies on a case you look after"),
        choices=Notify.choices,
        widget=forms.RadioSelect,
    )
    notify_withdrawn = forms.ChoiceField(
        label=gettext_lazy("A requester withdraws a request you look after"),
        choices=Notify.choices,
        widget=forms.RadioSelect,
    )
    notify_new_request = forms.ChoiceField(
        label=gettext_lazy("A new request arrives (coordinators)"),
        choices=Notify.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {f: getattr(user, f) for f in self.base_fields})
        super().__init__(*args, **kwargs)
        if not user.is_coordinator:
            del self.fields["notify_new_request"]


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's notification choices (every staff user) and directory entry (contacts)."""
    person = getattr(request.user, "contact_person", None)
    notify_form = NotifyForm(user=request.user)
    if request.method == "POST" and "notify-submit" in request.POST:
        notify_form = NotifyForm(request.POST, user=request.user)
        if notify_form.is_valid():
            user_notifications_save(user=cast(User, request.user), choices=notify_form.cleaned_data)
            messages.success(request, _("Your notification choices are saved."))
            return redirect("staff-profile")
        return render(
            request,
            "staff/profile.html",
            {"form": _entry_form(person), "person": person, "notify_form": notify_form},
            status=400,
        )
    if person is None:
        # No directory entry (a coordinator, say): only the notification choices.
        if request.method == "POST":
            raise Http404(_("Your login is not linked to a contact person."))
        return render(
            request,
            "staff/profile.html",
            {"form": None, "person": None, "notify_form": notify_form},
        )
    if request.method == "POST":
        form = ProfileForm(request.POST, person=person)
        if form.is_valid():
            try:
                directory_entry_save(instance=person, data=form.entry_data())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("staff-profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(person), person=person)
    return render(
        request,
        "staff/profile.html",
        {"form": form, "person": person, "notify_form": notify_form},
    )


class _PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308  # a form posted to the old address is posted again to the new one


def profile_moved(request: HttpRequest) -> HttpResponse:
    """/staff/profile/ became part of "Mitt konto" (/staff/account/profile/): bookmarks and
    links in old emails keep working."""
    target = reverse("staff-profile")
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    return _PermanentRedirectKeepingMethod(target)


def _entry_form(person: ContactPerson | None) -> ProfileForm | None:
    if person is None:
        return None
    return ProfileForm(initial=ProfileForm.initial_for(person), person=person)
