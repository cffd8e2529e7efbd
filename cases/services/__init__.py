"""Case writes. Every change to a case goes through one of these functions."""

from cases.services.accept import case_accept
from cases.services.intake import case_submit, tracking_token_hash
from cases.services.links import case_accept_by_link, case_link_read, case_transition_by_link
from cases.services.notes import case_date_plan, case_note_add
from cases.services.tracking import tracking_links_resend
from cases.services.transitions import case_transition

__all__ = [
    "case_accept",
    "case_accept_by_link",
    "case_date_plan",
    "case_link_read",
    "case_note_add",
    "case_submit",
    "case_transition",
    "case_transition_by_link",
    "tracking_links_resend",
    "tracking_token_hash",
]
