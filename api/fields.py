"""Serializer fields that accept exactly what the OpenAPI schema promises.

DRF's own fields coerce (12 -> "12", "yes" -> True); a schema that says "string" or "boolean"
would then lie about what is valid.
"""

from __future__ import annotations

from rest_framework import serializers

from api.text import strip_invisible


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only. DRF's BooleanField also takes 0, 1, "yes" and "on", which the
    schema does not promise; accepting them would make the schema lie about what is valid."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StrictCharField(serializers.CharField):
    """Strings only: DRF's CharField turns 12 into "12", which the schema does not promise.

    The length is checked as sent, before DRF trims whitespace: the schema's maxLength is about
    the value in the request, so 300 spaces around a short name are refused, not accepted.
    """

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        data = strip_invisible(data)  # bidi overrides, zero-width characters (api.text)
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length, length=len(data))
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """An object by its slug; a value that cannot be one (not a string, or with a NUL, which
    PostgreSQL refuses even to compare) is invalid input, not a server error."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryBooleanField(serializers.BooleanField):
    """A query parameter that is exactly `true` or `false`."""

    def to_internal_value(self, data):
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


# The longest list a request may carry in one field: areas, forms of collaboration, and the
# participants of a meeting (more than any directory offers or any meeting has), and
# attachments. Checked before each item is looked at: a request with 180,000 areas is a quick
# 400, not 24 s of one worker's time. Posted HTML forms are also bounded by Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS (settings).
MAX_LIST_ITEMS = 50
MAX_ATTACHMENTS = 10


class CappedListField(serializers.ListField):
    """A list of at most `max_length` (default MAX_LIST_ITEMS) items, counted before any item
    is validated (DRF's ListField validates every item first, then the length)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LIST_ITEMS)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
