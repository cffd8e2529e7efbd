"""Writes for activities: registration under the activity's lock, cancellation with promotion
from the waiting list, changes that send calendar updates, attendance, reminders.

Capacity under concurrency: every write that changes who holds a seat locks the activity row
first (SELECT ... FOR UPDATE) and counts the confirmed seats inside that lock, so concurrent
registrations are serialised per activity: with N seats exactly N are confirmed, and ids
(taken inside the lock) give the waiting list its order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import notify
from activities.errors import ActivityError, ActivityFull
from activities.models import Activity, ActivityKind, Registration, RegistrationStatus
from audit.models import Action
from audit.services import audit_record
from directory.models import Municipality
from workflows import calendar

# Changes to these fields reach the participants' calendars as an update (SEQUENCE + 1).
CALENDAR_FIELDS = ("title", "description", "starts_at", "ends_at", "place", "online_url")
SINGLE_LINE = ("name", "email", "role", "organisation")


def registration_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def activity_errors(
    *,
    values: Mapping[str, Any],
    start_may_be_past: bool = False,
    deadline_may_be_past: bool = True,
    confirmed: int = 0,
    now: dt.datetime | None = None,
) -> dict[str, list[str]]:
    """The rules a new or changed activity breaks, by field. A change that leaves the start
    alone (`start_may_be_past`) may keep a start in the past, e.g. to fix a typo afterwards;
    likewise the deadline (`deadline_may_be_past`). The seats may not drop below the
    `confirmed` participants: nobody loses a seat they were given."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    starts, ends = values.get("starts_at"), values.get("ends_at")
    deadline = values.get("registration_deadline")
    if starts is not None and starts < now and not start_may_be_past:
        errors.setdefault("starts_at", []).append(_("The start lies in the past."))
    if starts is not None and ends is not None and ends <= starts:
        errors.setdefault("ends_at", []).append(_("The activity must end after it starts."))
    if deadline is not None and starts is not None and deadline > starts:
        errors.setdefault("registration_deadline", []).append(
            _("The registration deadline must be before the start.")
        )
    elif deadline is not None and deadline < now and not deadline_may_be_past:
        errors.setdefault("registration_deadline", []).append(
            _("The registration deadline lies in the past.")
        )
    if "capacity" in values and (values["capacity"] or 0) < 1:
        errors.setdefault("capacity", []).append(_("An activity needs at least one seat."))
    elif "capacity" in values and values["capacity"] < confirmed:
        errors.setdefault("capacity", []).append(
            _(
                "%(n)d participants already have a seat: the activity needs at least as many "
                "seats (cancel registrations first to make it smaller)."
            )
            % {"n": confirmed}
        )
    return errors


def _audit(activity: Activity, actor: Any, change: str, **details: Any) -> None:
    audit_record(
        action=Action.ACTIVITY_CHANGED,
        user=actor,
        object_type="activity",
        object_id=activity.pk,
        details={"change": change, "title": activity.title, **details},
    )


def activity_save(
    *, activity: Activity, changed: Iterable[str], actor: Any = None, staff_page: bool = False
) -> Activity:
    """Save a new or changed activity (admin, staff page). A change participants must know of
    sends each confirmed participant an update (same UID, SEQUENCE + 1); more seats promote
    from the waiting list.

    1. Check the times (a start or deadline that was set now may not lie in the past).
    2. Lock the row; inside the lock: a cancelled activity stays as it was, the seats may not
       drop below the confirmed participants (counted under the lock, like a registration).
    3. Save, queue the updates (outbox rows in the same commit), promote, audit.
    """
    changed = set(changed)
    values = {
        name: getattr(activity, name)
        for name in ("starts_at", "ends_at", "registration_deadline", "capacity")
    }
    new = activity.pk is None
    errors = activity_errors(
        values=values,
        start_may_be_past=not new and "starts_at" not in changed,
        # The admin kept a past deadline (to close registration by hand); the staff page asks
        # for a deadline still to come whenever one is set.
        deadline_may_be_past=not staff_page or (not new and "registration_deadline" not in changed),
    )
    if errors:
        raise ActivityError(errors)
    with transaction.atomic():
        if new:
            activity.save()
            _audit(activity, actor, "created", published=activity.published)
            return activity
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.is_cancelled and staff_page:
            raise ActivityError({"": [_("A cancelled activity cannot be changed.")]})
        confirmed = locked.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        errors = activity_errors(values={"capacity": activity.capacity}, confirmed=confirmed)
        if errors:
            raise ActivityError(errors)
        if "starts_at" in changed:
            activity.reminders_queued_at = None  # remind again, for the new day
        notify_participants = bool(set(CALENDAR_FIELDS) & changed) and not activity.is_cancelled
        if notify_participants:
            activity.sequence = locked.sequence + 1
        activity.save()
        if notify_participants:
            for registration in activity.registrations.filter(status=RegistrationStatus.CONFIRMED):
                registration.activity = activity
                notify.updated(registration=registration)
        waiting_promote(activity)
        _audit(
            activity,
            actor,
            "changed",
            fields=sorted(changed),
            participants_told=confirmed if notify_participants else 0,
        )
    return activity


def activity_publish(*, activity: Activity, actor: Any = None) -> Activity:
    """Show a draft in the public calendar. A cancelled activity or one that has started stays
    where it is."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.published:
            return activity
        if activity.is_cancelled:
            raise ActivityError({"": [_("A cancelled activity cannot be published.")]})
        if activity.starts_at <= timezone.now():
            raise ActivityError({"": [_("The start lies in the past.")]})
        activity.published = True
        activity.save(update_fields=["published", "updated_at"])
        _audit(activity, actor, "published")
    return activity


def activity_cancel(*, activity: Activity, actor: Any = None) -> Activity:
    """Cancel an activity: CANCEL to every confirmed participant, a note to the waiting list."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.is_cancelled:
            return activity
        activity.cancelled_at = timezone.now()
        activity.save(update_fields=["cancelled_at", "updated_at"])
        told = 0
        for registration in activity.registrations.exclude(status=RegistrationStatus.CANCELLED):
            registration.activity = activity
            notify.activity_cancelled(registration=registration)
            told += 1
        _audit(activity, actor, "cancelled", participants_told=told)
    return activity


def _references(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text.strip()) if part]


def activity_cases_set(*, activity: Activity, references: str, actor: Any = None) -> list[Any]:
    """Link a municipality visit to the cases it led to or discussed (references, separated by
    spaces, commas or lines; empty unlinks them all). Every reference must exist: nothing is
    changed otherwise."""
    wanted = list(dict.fromkeys(_references(references)))
    if activity.kind != ActivityKind.MUNICIPALITY_VISIT:
        raise ActivityError(
            {"references": [_("Only a municipality visit can be linked to cases.")]}
        )
    if len(wanted) > 100:
        raise ActivityError({"references": [_("Link at most 100 cases.")]})
    # The case model through the relation (a string reference): activities imports no case
    # code, so a reference is looked up by the field every case has.
    found = {
        case.reference: case
        for case in activity.cases.model._default_manager.filter(reference__in=wanted)
    }
    missing = [ref for ref in wanted if ref not in found]
    if missing:
        raise ActivityError(
            {
                "references": [
                    _("No case with the reference %(refs)s.") % {"refs": ", ".join(missing)}
                ]
            }
        )
    cases = [found[ref] for ref in wanted]
    with transaction.atomic():
        before = set(activity.cases.values_list("reference", flat=True))
        activity.cases.set(cases)
        if before != set(wanted):
            _audit(
                activity,
                actor,
                "cases_linked",
                added=sorted(set(wanted) - before),
                removed=sorted(before - set(wanted)),
            )
    return cases


def registration_errors(
    *, activity: Activity, values: Mapping[str, Any], now: dt.datetime | None = None
) -> dict[str, list[str]]:
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if activity.is_cancelled:
        add("", _("This activity has been cancelled."))
    elif now >= activity.registration_deadline or now >= activity.starts_at:
        add("", _("Registration for this activity has closed."))
    for name in ("name", "email", "role"):
        if name in values and not str(values[name] or "").strip():
            add(name, _("This field is required."))
    for name in SINGLE_LINE:
        text = str(values.get(name) or "")
        if "\r" in text or "\n" in text:
            add(name, _("Line breaks are not allowed here."))
    municipality = values.get("municipality")
    if municipality is not None and not municipality.active:
        add("municipality", _("Choose a municipality from the list."))
    if "consent" in values and values["consent"] is not True:
        add("consent", _("You must agree to the processing of personal data."))
    return errors


def _duplicate_error() -> ActivityError:
    return ActivityError(
        {"email": [_("This email address is already registered for this activity.")]}
    )


def registration_create(
    *,
    activity: Activity,
    name: str,
    email: str,
    role: str,
    consent: bool,
    municipality: Municipality | None = None,
    organisation: str = "",
    needs: str = "",
    join_waiting_list: bool = False,
    language: str = "sv",
) -> tuple[Registration, str]:
    """Register for an activity: a seat if one is free, else (if asked for) the waiting list.

    1. Check the input (ActivityError with every broken rule, by field).
    2. Lock the activity row; inside the lock: deadline and duplicate email again, count the
       confirmed seats, insert the registration as confirmed or waiting (or ActivityFull).
    3. Queue the confirmation (with the calendar invitation) or the waiting-list email.

    Returns the registration and its private link's token (only its hash is stored).
    """
    email = email.strip().lower()
    values = {
        "name": name,
        "email": email,
        "role": role,
        "organisation": organisation,
        "municipality": municipality,
        "consent": consent,
    }
    errors = registration_errors(activity=activity, values=values)
    if errors:
        raise ActivityError(errors)
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=activity.pk)
            errors = registration_errors(activity=locked, values=values)
            if errors:
                raise ActivityError(errors)
            live = locked.registrations.exclude(status=RegistrationStatus.CANCELLED)
            if live.filter(email=email).exists():
                raise _duplicate_error()
            confirmed = live.filter(status=RegistrationStatus.CONFIRMED).count()
            if confirmed >= locked.capacity and not join_waiting_list:
                raise ActivityFull(
                    {
                        "join_waiting_list": [
                            _(
                                "The activity is full. Tick the box to be put on the waiting "
                                "list: you get a seat, and an email, if one becomes free."
                            )
                        ]
                    }
                )
            registration = Registration.objects.create(
                activity=locked,
                name=name.strip(),
                email=email,
                role=role.strip(),
                organisation=organisation.strip(),
                municipality=municipality,
                needs=needs.strip(),
                status=(
                    RegistrationStatus.CONFIRMED
                    if confirmed < locked.capacity
                    else RegistrationStatus.WAITING
                ),
                token_hash=registration_token_hash(token),
                language=language,
            )
            if registration.status == RegistrationStatus.CONFIRMED:
                notify.confirmed(registration=registration, token=token)
            else:
                notify.waiting(registration=registration, token=token)
    except IntegrityError as exc:  # the unique constraint, should the lock be bypassed
        raise _duplicate_error() from exc
    return registration, token


def waiting_promote(activity: Activity) -> list[Registration]:
    """Give free seats to the first on the waiting list, in order. Call under the activity's
    lock. Nobody is promoted once the activity has started or was cancelled."""
    if activity.is_cancelled or activity.starts_at <= timezone.now():
        return []
    live = activity.registrations.exclude(status=RegistrationStatus.CANCELLED)
    free = activity.capacity - live.filter(status=RegistrationStatus.CONFIRMED).count()
    if free <= 0:
        return []
    promoted = list(
        live.filter(status=RegistrationStatus.WAITING).order_by("pk").select_for_update()[:free]
    )
    now = timezone.now()
    for registration in promoted:
        registration.activity = activity
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        notify.promoted(registration=registration)
    return promoted


def registration_cancel(*, registration: Registration) -> list[Registration]:
    """Cancel a registration (its private link, or staff): a CANCEL for a confirmed seat, and
    the seat goes to the first on the waiting list, who is told by email with the invitation.
    Returns who was promoted. Cancelling twice changes nothing."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=registration.activity_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == RegistrationStatus.CANCELLED:
            return []
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        registration.activity = activity
        notify.cancelled(registration=registration, had_seat=was_confirmed)
        return waiting_promote(activity) if was_confirmed else []


def registration_by_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return (
        Registration.objects.select_related("activity", "municipality")
        .filter(token_hash=registration_token_hash(token))
        .first()
    )


def attendance_mark(*, activity: Activity, attended_ids: Iterable[int], actor: Any = None) -> int:
    """After the activity: who came (the others did not). Only confirmed participants count."""
    if activity.starts_at > timezone.now():
        raise ActivityError({"": [_("Attendance can be marked once the activity has started.")]})
    attended = set(attended_ids)
    confirmed = activity.registrations.filter(status=RegistrationStatus.CONFIRMED)
    with transaction.atomic():
        came = confirmed.filter(pk__in=attended).update(attended=True)
        absent = confirmed.exclude(pk__in=attended).update(attended=False)
        _audit(activity, actor, "attendance", attended=came, absent=absent)
    return came


def reminder_due_at(activity: Activity) -> dt.datetime:
    """Office start on the working day before the activity's (local) day."""
    local_day = timezone.localtime(activity.starts_at).date()
    return calendar.office_start(calendar.working_day_before(local_day))


def reminders_queue_due(*, now: dt.datetime | None = None) -> int:
    """Queue the reminders of activities whose working day before has come. Each activity is
    claimed with a conditional update, so two scans never remind twice; message keys are
    unique too. Returns how many reminders were queued."""
    now = now or timezone.now()
    upcoming = Activity.objects.filter(
        published=True,
        cancelled_at__isnull=True,
        reminders_queued_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=10),  # the longest run of days off is shorter
    )
    queued = 0
    for activity in upcoming:
        if reminder_due_at(activity) > now:
            continue
        with transaction.atomic():
            claimed = Activity.objects.filter(
                pk=activity.pk, reminders_queued_at__isnull=True
            ).update(reminders_queued_at=now)
            if claimed != 1:
                continue
            for registration in activity.registrations.filter(status=RegistrationStatus.CONFIRMED):
                registration.activity = activity
                notify.reminder(registration=registration)
                queued += 1
    return queued
