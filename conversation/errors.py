"""Errors of the conversation services (mapped to responses like the case errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.errors import CaseError


class CaseEnded(CaseError):
    """The tracking page and the API take replies only while the case is open."""

    status = 409
    code = "case_ended"
    default_message = _(
        "This request has ended, so it takes no more messages here. Send a new request, or "
        "answer the last email from us if you need to reach us about it."
    )


class CaseAnonymised(CaseError):
    """Retention removed the personal data: the case takes no more messages at all."""

    status = 410
    code = "case_anonymised"
    default_message = _("This request has been anonymised and takes no more messages.")
