"""What a contact person has handled: the learned half of their profile.

The directory knows no cases. The cases app registers a source of handled cases
(`register_history_source`, from `cases.apps`), and the evaluation passes a generated
history; both give `HandledCase` records. How much a case teaches:

- how far it got: assigned only 0.3 (a coordinator thought them right), a meeting 1.0, a
  workshop 1.5, a project 2.0; a case closed as "no match" teaches nothing, and a withdrawn
  one half of its stage;
- how old it is: the weight halves every HALF_LIFE_DAYS, so the profile follows what
  a person works on now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

STAGE_WEIGHTS = {
    "contact_assigned": 0.3,
    "meeting_held": 1.0,
    "workshop": 1.5,
    "project": 2.0,
}
HALF_LIFE_DAYS = 540
OLDEST_DAYS = 5 * 365  # older cases are not read at all


@dataclass(frozen=True, slots=True)
class HandledCase:
    # Slots: a web worker holds ~20,000 of these while it learns the profiles.
    reference: str
    contact_id: int
    title: str
    text: str
    stage: str  # the furthest state the case reached with this contact person
    handled_on: date  # when it last moved
    outcome: str = ""  # of a closed case: "completed", "no_match", "other"
    withdrawn: bool = False


def case_weight(case: HandledCase, today: date) -> float:
    """How much one handled case adds to its contact person's profile."""
    if case.outcome == "no_match":
        return 0.0
    weight = STAGE_WEIGHTS.get(case.stage, 0.0)
    if case.withdrawn:
        weight *= 0.5
    age = max((today - case.handled_on).days, 0)
    if age > OLDEST_DAYS:
        return 0.0
    return weight * 0.5 ** (age / HALF_LIFE_DAYS)


HistorySource = Callable[[], list[HandledCase]]
_source: HistorySource | None = None


def register_history_source(source: HistorySource) -> None:
    """Called once by the cases app: where profiles read the handled cases from."""
    global _source
    _source = source


def handled_cases() -> list[HandledCase]:
    return _source() if _source is not None else []
