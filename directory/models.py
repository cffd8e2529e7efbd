"""Who and what: municipalities, collaboration areas, forms of collaboration, contact persons.

Reference data, not code: another region loads its own with `import_directory`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from api.text import CleanCharField, CleanTextField


def _in_language(swedish: str, english: str) -> str:
    """English where the interface is English and a text exists; Swedish otherwise."""
    return english if english and (get_language() or "sv").startswith("en") else swedish


class CatalogueEntry(models.Model):
    """An area or form of collaboration: a slug and bilingual name and description."""

    slug = models.SlugField(unique=True)
    name_sv = CleanCharField(_("name (Swedish)"), max_length=200)
    name_en = CleanCharField(_("name (English)"), max_length=200, blank=True)
    description_sv = CleanTextField(_("description (Swedish)"), blank=True)
    description_en = CleanTextField(_("description (English)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["name_sv"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_sv, self.name_en)

    @property
    def description(self) -> str:
        return _in_language(self.description_sv, self.description_en)


class Municipality(models.Model):
    code = models.CharField(_("municipality code"), max_length=4, unique=True)
    name = CleanCharField(_("name"), max_length=100)
    org_number = models.CharField(_("organisation number"), max_length=11, blank=True)
    member = models.BooleanField(_("member of the association"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Area(CatalogueEntry):
    class Meta(CatalogueEntry.Meta):
        verbose_name = _("collaboration area")
        verbose_name_plural = _("collaboration areas")


class CollaborationForm(CatalogueEntry):
    lead_time_weeks = models.PositiveSmallIntegerField(_("lead time (weeks)"), default=0)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("form of collaboration")
        verbose_name_plural = _("forms of collaboration")


class ContactPerson(models.Model):
    email = models.EmailField(_("email"), unique=True)
    name = CleanCharField(_("name"), max_length=200)
    title = CleanCharField(_("title"), max_length=200, blank=True)
    department = CleanCharField(_("department"), max_length=200, blank=True)
    phone = CleanCharField(_("phone"), max_length=40, blank=True)
    areas = models.ManyToManyField(
        Area, related_name="contacts", blank=True, verbose_name=_("areas")
    )
    keywords = CleanTextField(_("keywords"), blank=True, help_text=_("Separated by semicolons."))
    languages = CleanCharField(_("languages"), max_length=50, default="sv")
    max_active_cases = models.PositiveSmallIntegerField(_("capacity (active cases)"), default=5)
    bio_sv = CleanTextField(_("presentation"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Takes the requests that fit no single subject: the case page points to these people
    # when no one's expertise matches a request well enough.
    general_contact = models.BooleanField(
        _("coordinator for general requests"),
        default=False,
        help_text=_("Offered when no contact person's expertise fits a request."),
    )
    # Away (leave, field work): not suggested for new cases up to and including this day.
    away_until = models.DateField(_("away until"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_person",
        verbose_name=_("login"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return self.name

    @property
    def is_away(self) -> bool:
        return self.away_until is not None and self.away_until >= timezone.localdate()

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(";") if k.strip()]

    @property
    def email_language(self) -> str:
        return "sv" if "sv" in self.language_list else "en"

    @property
    def language_list(self) -> list[str]:
        return [x.strip() for x in self.languages.replace(",", ";").split(";") if x.strip()]


def split_list(value: str) -> list[str]:
    """A ';'-separated list as its trimmed, non-empty items."""
    return [v.strip() for v in (value or "").split(";") if v.strip()]


class VocabularyEntry(models.Model):
    """A word of the directory with the words requesters use for it.

    The suggestions treat the term, its synonyms and its English equivalents as the same
    word, and related words as half of it, on both the request's and the profiles' side.
    Imported and exported as `vocabulary.csv` with the directory.
    """

    term = CleanCharField(_("term"), max_length=100, unique=True)
    synonyms = CleanTextField(
        _("synonyms"), blank=True, help_text=_("Separated by semicolons; count as the term.")
    )
    english = CleanTextField(
        _("English equivalents"),
        blank=True,
        help_text=_("Separated by semicolons; count as the term."),
    )
    related = CleanTextField(
        _("related terms"),
        blank=True,
        help_text=_("Separated by semicolons; count as half of the term."),
    )

    class Meta:
        ordering = ["term"]
        verbose_name = _("vocabulary entry")
        verbose_name_plural = _("vocabulary")

    def __str__(self) -> str:
        return self.term

    @property
    def synonym_list(self) -> list[str]:
        return split_list(self.synonyms)

    @property
    def english_list(self) -> list[str]:
        return split_list(self.english)

    @property
    def related_list(self) -> list[str]:
        return split_list(self.related)
