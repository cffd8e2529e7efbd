"""The API's one request format: JSON, with a limit on how deeply it may nest.

Python's json module recurses per level of nesting: a body of 100,000 `[` raises
RecursionError, which DRF's JSONParser does not turn into a 400 (it catches ValueError only),
so the request ended as a 500. No request of ours nests deeper than a few levels.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

MAX_JSON_DEPTH = 20


def _depth_exceeds(data: Any, limit: int) -> bool:
    """True when `data` nests more than `limit` levels of lists and objects (iteratively)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(_("The JSON body is nested too deeply."))
        return data
