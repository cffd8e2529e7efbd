"""Form pieces for editing a contact person: keywords as lines, languages as checkboxes.

Stored as the import stores them (`;`-separated); people edit lists. Used by the admin
(directory/admin.py) and by the contact person's own profile page (cases/views/profile.py).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from api.text import FreeTextField
from directory.models import ContactPerson, VocabularyEntry, split_list
from directory.services import VOCABULARY_LISTS, vocabulary_entry_errors

SEPARATOR = ";"


def language_choices(current: list[str] | None = None) -> list[tuple[str, str]]:
    """Swedish and English first, then every other language the directory lists, by code."""
    listed = {
        code.strip()
        for value in ContactPerson.objects.values_list("languages", flat=True).distinct()
        for code in value.replace(",", SEPARATOR).split(SEPARATOR)
        if code.strip()
    }
    others = sorted((listed | set(current or ())) - {"sv", "en"})
    return [(code, language_name(code)) for code in ["sv", "en", *others]]


def language_name(code: str) -> str:
    """The language's name in the interface's language ("Arabiska" in Swedish: a name in its
    own script would need its own lang attribute); the code when Django does not know it."""
    try:
        return str(get_language_info(code)["name_translated"]).capitalize()
    except KeyError:
        return code


def keywords_as_lines(person: ContactPerson) -> str:
    return "\n".join(person.keyword_list)


def keywords_from_lines(text: str) -> str:
    """One keyword per line (a ';' also separates) → the stored ';'-separated text."""
    keywords = (k.strip() for k in text.replace(SEPARATOR, "\n").splitlines())
    return SEPARATOR.join(k for k in keywords if k)


class KeywordsField(FreeTextField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Keywords"))
        kwargs.setdefault(
            "help_text",
            _("One per line, e.g. 'matsvinn'. They decide which requests you are suggested for."),
        )
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class ContactPersonAdminForm(forms.ModelForm):
    """The admin's contact person form: lists in, the stored format out."""

    keywords = KeywordsField(help_text=_("One per line."))
    languages = forms.MultipleChoiceField(label=_("Languages"), widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ContactPerson
        fields = (
            "email",
            "name",
            "title",
            "department",
            "phone",
            "user",
            "areas",
            "keywords",
            "languages",
            "max_active_cases",
            "away_until",
            "bio_sv",
            "active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.language_list if self.instance.pk else ["sv"]
        self.fields["languages"].choices = language_choices(current)
        if not self.is_bound:
            self.initial["languages"] = current
            if self.instance.pk:
                self.initial["keywords"] = keywords_as_lines(self.instance)

    def clean_keywords(self) -> str:
        return keywords_from_lines(self.cleaned_data["keywords"])

    def clean_languages(self) -> str:
        return SEPARATOR.join(self.cleaned_data["languages"])


class VocabularyEntryForm(forms.ModelForm):
    """A vocabulary entry under the import's rules: a lower-case term, lists of real words."""

    class Meta:
        model = VocabularyEntry
        fields = ("term", *VOCABULARY_LISTS)

    def clean(self):
        data = super().clean()
        if "term" in data:
            data["term"] = data["term"].strip().lower()
        for column in VOCABULARY_LISTS:
            data[column] = SEPARATOR.join(split_list(data.get(column) or ""))
        for column, reasons in vocabulary_entry_errors(data).items():
            for reason in reasons:
                self.add_error(column if column in self.fields else None, reason)
        return data
