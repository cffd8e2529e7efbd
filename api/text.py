"""Free text from outside, cleaned of characters that only deceive.

Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) make text display in
another order than it is stored ("Trojan Source": a title or name that reads differently on
the case page and in an email), and zero-width characters (U+200B–U+200F, U+FEFF) make two
strings that look the same compare as different. No request needs them; they are removed from
every free-text field and name on the way in: the public form and the staff forms through
`FreeTextField`, the API through `api.fields.StrictCharField`.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def strip_invisible(value: str) -> str:
    return INVISIBLE.sub("", value)


class FreeTextField(forms.CharField):
    """A CharField whose value loses bidi overrides and zero-width characters."""

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = strip_invisible(value)
        return super().to_python(value)
