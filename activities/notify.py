"""Which emails a registration change sends. Called inside the service's transaction: each is
an outbox row in the same commit, enqueued after it. A calendar change is a new row with a key
of its own (the SEQUENCE is in it), never a resend of an earlier one."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, override

from activities import ical
from activities.models import Registration
from notifications.services import message_queue


def manage_url(token: str) -> str:
    return settings.SITE_URL + reverse("activity-registration", args=[token])


def _reason(language: str, text: str) -> str:
    with override(language):
        return gettext(text)


def _queue(
    *,
    registration: Registration,
    key: str,
    what: str,
    reason: str,
    token: str = "",
    calendar: str = "",
) -> None:
    activity = registration.activity
    message_queue(
        key=key,
        kind=f"activity_{what}",
        recipient=registration.email,
        template="activity",
        context={
            "what": what,
            "activity": activity,
            "registration": registration,
            "activity_url": ical.activity_url(activity),
            "manage_url": manage_url(token) if token else "",
        },
        language=registration.language,
        reason=_reason(registration.language, reason),
        # The private link speaks for the registrant: erased once delivered.
        sensitive=bool(token),
        calendar=calendar,
    )


def confirmed(*, registration: Registration, token: str) -> None:
    _queue(
        registration=registration,
        key=f"activity-confirmed:{registration.pk}",
        what="confirmed",
        reason=gettext_noop("You registered for an activity."),
        token=token,
        calendar=ical.invitation(registration),
    )


def waiting(*, registration: Registration, token: str) -> None:
    _queue(
        registration=registration,
        key=f"activity-waiting:{registration.pk}",
        what="waiting",
        reason=gettext_noop("You registered for an activity."),
        token=token,
    )


def promoted(*, registration: Registration) -> None:
    _queue(
        registration=registration,
        key=f"activity-promoted:{registration.pk}",
        what="promoted",
        reason=gettext_noop("You were on the waiting list of an activity."),
        calendar=ical.invitation(registration),
    )


def cancelled(*, registration: Registration, had_seat: bool) -> None:
    _queue(
        registration=registration,
        key=f"activity-cancelled:{registration.pk}",
        what="cancelled",
        reason=gettext_noop("You cancelled your registration for an activity."),
        calendar=ical.invitation(registration, cancel=True) if had_seat else "",
    )


def updated(*, registration: Registration) -> None:
    _queue(
        registration=registration,
        key=f"activity-updated:{registration.pk}:{registration.activity.sequence}",
        what="updated",
        reason=gettext_noop("You are registered for an activity that changed."),
        calendar=ical.invitation(registration),
    )


def activity_cancelled(*, registration: Registration) -> None:
    had_seat = registration.status == "confirmed"
    _queue(
        registration=registration,
        key=f"activity-called-off:{registration.pk}",
        what="activity_cancelled",
        reason=gettext_noop("You are registered for an activity that was cancelled."),
        calendar=ical.invitation(registration, cancel=True) if had_seat else "",
    )


def reminder(*, registration: Registration) -> None:
    activity = registration.activity
    _queue(
        registration=registration,
        key=f"activity-reminder:{registration.pk}:{activity.starts_at:%Y%m%d}",
        what="reminder",
        reason=gettext_noop("You are registered for an activity tomorrow."),
    )
