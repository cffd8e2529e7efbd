from __future__ import annotations


class ActivityError(Exception):
    """A rule an activity or a registration breaks; `fields` maps a field ("" for the whole
    form) to translated messages, for the form or the API to show next to what was entered."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in fields.values() for m in messages))
        self.fields = fields


class ActivityFull(ActivityError):
    """Every seat is taken and the registrant did not ask for the waiting list."""
