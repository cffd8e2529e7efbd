"""Domain errors raised by case services; one handler per interface maps them to responses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from api.errors import ServiceError


class CaseError(ServiceError):
    """An error of the case services; the API and the HTML views map it to a response."""


class CaseValidationError(CaseError):
    status = 400
    code = "invalid"
    default_message = _("Some fields need to be corrected.")


class ActionForbidden(CaseError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this on this case.")


class TransitionNotAllowed(CaseError):
    status = 409
    code = "transition_not_allowed"
    default_message = _("This step is not possible in the case's current state.")


class CaseConflict(CaseError):
    status = 409
    code = "conflict"
    default_message = _("The case was changed by someone else meanwhile. Reload and try again.")


class LinkInvalid(CaseError):
    """Tampered, truncated, or made for another action: the signature does not hold."""

    status = 400
    code = "link_invalid"
    default_message = _(
        "This link is not valid. Check that you opened the whole link from the email. "
        "Nothing was changed."
    )


class LinkExpired(CaseError):
    status = 410
    code = "link_expired"
    default_message = _(
        "This link has expired. Nothing was changed. Open the case in Samverka or ask a "
        "coordinator."
    )


class LinkUsed(CaseError):
    """Used already, or the case changed since the email (another step, another contact)."""

    status = 410
    code = "link_used"
    default_message = _(
        "This link has already been used, or the case has changed since the email was sent. "
        "Nothing was changed."
    )
