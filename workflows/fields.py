"""The fields a transition asks for, each described once.

A `FieldSpec` in a transition's definition (workflows/models.py) is the only description of
that field: the HTML form field, the API serializer field and its OpenAPI description, the
cleaning in the transition service and what the requester may see of it are all derived from
it. A new field is one `FieldSpec` in one transition; a new kind of field is one `Kind` plus
its entry in each table that maps kinds (the form, the serializer, the cleaner), and a test
fails until every table knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Kind:
    """Kinds of transition field."""

    TEXT = "text"  # several lines
    LINE = "line"  # one line, e.g. a title
    DATE = "date"  # YYYY-MM-DD
    CONTACT = "contact"  # an active contact person, given by email
    CHOICE = "choice"  # one of `choices`
    MEETING = "meeting"  # one of the case's meetings, by id (the service checks it is the case's)

    ALL = (TEXT, LINE, DATE, CONTACT, CHOICE, MEETING)


TEXT_MAX_LENGTH = 10_000
LINE_MAX_LENGTH = 200


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: StrOrPromise
    kind: str = Kind.TEXT
    required: bool = True
    # The requester sees this field's value on the tracking page, in the API's tracking view
    # and in the status email (`workflows.definition.requester_view` decides, from this).
    public: bool = False
    choices: tuple[tuple[str, StrOrPromise], ...] = ()
    # A date that must not lie ahead (a meeting that has been held).
    not_in_future: bool = False
    help_text: StrOrPromise = ""

    @property
    def max_length(self) -> int | None:
        return {Kind.TEXT: TEXT_MAX_LENGTH, Kind.LINE: LINE_MAX_LENGTH}.get(self.kind)


# Offered with every transition: an internal note that never reaches the requester.
NOTE = FieldSpec("note", _("Internal note"), required=False)

OUTCOMES = (
    ("completed", _("Completed")),
    ("no_match", _("No match")),
    ("other", _("Other")),
)
