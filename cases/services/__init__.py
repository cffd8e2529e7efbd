"""Case writes. Every change to a case goes through one of these functions."""

from cases.services.intake import case_submit, tracking_token_hash
from cases.services.notes import case_date_plan, case_note_add
from cases.services.transitions import case_transition

__all__ = [
    "case_date_plan",
    "case_note_add",
    "case_submit",
    "case_transition",
    "tracking_token_hash",
]
