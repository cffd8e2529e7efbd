"""Free text from outside, cleaned of characters that only deceive.

Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) make text display in
another order than it is stored ("Trojan Source": a title or name that reads differently on
the case page and in an email), and zero-width characters (U+200B–U+200F, U+FEFF) make two
strings that look the same compare as different. No request needs them; they are removed from
every free-text field and name on the way in: the public form and the staff forms through
`FreeTextField`, the API through `api.fields.StrictCharField`, and reference data edited in the
Django admin or imported (the directory's names and texts) through the model fields
`CleanCharField` / `CleanTextField`, which clean on validation and again on every save.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db import models

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def strip_invisible(value: str) -> str:
    return INVISIBLE.sub("", value)


class FreeTextField(forms.CharField):
    """A CharField whose value loses bidi overrides and zero-width characters."""

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = strip_invisible(value)
        return super().to_python(value)


class _Cleaned:
    """Mixin for a model text field: invisible characters go on validation (a form shows the
    cleaned value), in the admin's form field, and on every save (an import or a script that
    skips validation). The column is the plain one: `deconstruct` names the Django field, so
    no migration is needed to add or remove the cleaning."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = strip_invisible(value)
        return super().to_python(value)  # type: ignore[misc]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)  # type: ignore[misc]
        if isinstance(value, str):
            cleaned = strip_invisible(value)
            if cleaned != value:
                setattr(model_instance, self.attname, cleaned)  # type: ignore[attr-defined]
            return cleaned
        return value

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": FreeTextField, **kwargs})  # type: ignore[misc]


class CleanCharField(_Cleaned, models.CharField):
    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class CleanTextField(_Cleaned, models.TextField):
    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs
