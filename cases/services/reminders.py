"""Reminders and digests: a periodic scan of indexed due times, never long ETA tasks.

- `reminder_reset` recomputes a case's due times after any activity (transition, note, new
  meeting date), so activity that answers a reminder resets its clock.
- `reminders_send_due` claims due cases in batches (FOR UPDATE SKIP LOCKED: two scans never
  take the same case), moves their due time on, and queues the emails with idempotency keys
  (case, rule, due time, recipient) in the same transaction: a constant number of queries per
  batch, whatever its size.
- Before sending, a queued reminder is checked again: a case that left the state, or had
  activity since, gets no reminder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from accounts.models import Notify, Role, User
from cases.models import Case, CaseEvent, CaseMeeting, MeetingStatus
from cases.notify import reason_in, staff_case_url
from notifications.models import OutboxMessage
from notifications.services import (
    MessageSpec,
    messages_queue_bulk,
    register_context,
    register_still_wanted,
)
from workflows import calendar
from workflows.models import OPEN_STATES, ReminderKind, ReminderRule, State
from workflows.selectors import waiting_rule_days


def first_reminder_at(*, state: str, now: dt.datetime) -> dt.datetime | None:
    """When a case that entered `state` at `now` is first reminded about, if ever."""
    if state not in OPEN_STATES:
        return None
    # Every submission and every activity asks this: the rules are cached per process.
    days = waiting_rule_days(state=state)
    return calendar.add_working_days(now, days) if days is not None else None


def reminder_reset(*, case: Case, now: dt.datetime | None = None) -> None:
    """Recompute the due times of `case` from now (call inside the service's transaction)."""
    now = now or timezone.now()
    case.reminder_count = 0
    case.next_reminder_at = first_reminder_at(state=case.state, now=now)
    case.date_reminder_at = None
    if case.planned_date and case.state in OPEN_STATES and case.planned_date > now.date():
        date_rule = ReminderRule.objects.filter(kind=ReminderKind.BEFORE_DATE, active=True).first()
        if date_rule:
            day = calendar.working_day_before(case.planned_date)
            case.date_reminder_at = max(calendar.office_start(day), now)
    Case.objects.filter(pk=case.pk).update(
        reminder_count=case.reminder_count,
        next_reminder_at=case.next_reminder_at,
        date_reminder_at=case.date_reminder_at,
    )


@dataclass
class _Recipient:
    email: str
    language: str
    role: str  # "contact", "coordinator" or "requester"


def _coordinators() -> list[_Recipient]:
    users = User.objects.filter(is_active=True, role__in=[Role.COORDINATOR]).exclude(email="")
    return [_Recipient(u.email, "sv", "coordinator") for u in users]


def _contact(case: Case) -> list[_Recipient]:
    if case.contact is None:
        return []
    return [_Recipient(case.contact.email, case.contact.email_language, "contact")]


def _requester(case: Case) -> list[_Recipient]:
    return [_Recipient(case.requester_email, case.language, "requester")]


def _spec(case, rule, due, recipient, template, reason, context) -> MessageSpec:
    return MessageSpec(
        key=f"reminder:{case.pk}:{rule.pk}:{due}:{recipient.email}",
        kind="reminder",
        recipient=recipient.email,
        template=template,
        # Rendered when sent (the case is loaded then, see _reminder_context): JSON only here.
        context={"recipient_role": recipient.role, **context},
        lazy=True,
        language=recipient.language,
        case_id=case.pk,
        reason=reason,
        # Still relevant only while the case is in this state with no activity since.
        condition={"state": case.state, "activity_at": case.last_activity_at.isoformat()},
        # The requester's reminders belong to the case's email thread (Reply-To, References).
        threaded=recipient.role == "requester",
    )


# What the scan reads of a due case and its contact person. The rest of the row (the texts
# above all) is not needed to queue a reminder, and turning it into objects was most of the
# scan's Python time.
_SCAN_FIELDS = (
    "id",
    "state",
    "reference",
    "reminder_count",
    "next_reminder_at",
    "date_reminder_at",
    "planned_date",
    "last_activity_at",
    "requester_email",
    "language",
    "contact",
    "contact__email",
    "contact__languages",
)


def _claim(*, due_field: str, now: dt.datetime, batch_size: int) -> list[Case]:
    """Lock up to `batch_size` cases due at `now` that no other scan holds (SKIP LOCKED)."""
    return list(
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("contact")
        .only(*_SCAN_FIELDS)
        .filter(**{f"{due_field}__lte": now})
        .order_by(due_field)[:batch_size]
    )


@lru_cache(maxsize=4096)
def _waiting_reason(language: str, days: int, state: str, count: int) -> str:
    # The same few texts recur across thousands of cases: translate each once. The state's
    # label is lazy, so it is translated into the recipient's language too.
    return reason_in(
        language,
        gettext_noop(
            "The case has waited %(days)s working days or more in the state "
            "“%(state)s”, and this is reminder %(count)s."
        ),
        days=days,
        state=State(state).label,
        count=count,
    )


def _waiting_batch(now, rules, coordinators, batch_size) -> tuple[int, list[str]]:
    with transaction.atomic():
        batch = _claim(due_field="next_reminder_at", now=now, batch_size=batch_size)
        specs, lines = [], []
        # Every case of one rule gets the same next due time: one UPDATE per rule, not per case.
        next_due: dict[int, list[int]] = {}
        for case in batch:
            due, rule = f"{case.next_reminder_at:%Y%m%dT%H%M}", rules.get(case.state)
            case.reminder_count += 1
            repeat = rule.repeat_every_working_days if rule and case.state in OPEN_STATES else 0
            next_due.setdefault(repeat, []).append(case.pk)
            if rule is None or case.state not in OPEN_STATES:
                continue
            recipients = []
            if rule.notify_contact:
                recipients += _contact(case)
            if rule.notify_requester:
                recipients += _requester(case)
            escalated = bool(rule.escalate_after) and case.reminder_count > rule.escalate_after
            if rule.notify_coordinators or escalated or not recipients:
                recipients += coordinators
            for r in recipients:
                reason = _waiting_reason(
                    r.language, rule.after_working_days, case.state, case.reminder_count
                )
                context = {"escalated": escalated and r.role == "coordinator"}
                specs.append(_spec(case, rule, due, r, "reminder", reason, context))
                lines.append(f"{case.reference} {case.state} → {r.email}")
        for repeat, ids in next_due.items():
            Case.objects.filter(pk__in=ids).update(
                reminder_count=F("reminder_count") + 1,
                next_reminder_at=calendar.add_working_days(now, repeat) if repeat else None,
            )
        messages_queue_bulk(specs)
    return len(batch), lines


def _date_batch(now, rule, batch_size) -> tuple[int, list[str]]:
    with transaction.atomic():
        batch = _claim(due_field="date_reminder_at", now=now, batch_size=batch_size)
        specs, lines = [], []
        for case in batch:
            due = f"{case.date_reminder_at:%Y%m%dT%H%M}"
            case.date_reminder_at = None
            if rule is None or case.state not in OPEN_STATES or not case.planned_date:
                continue
            recipients = (_contact(case) if rule.notify_contact else []) + (
                _requester(case) if rule.notify_requester else []
            )
            for r in recipients:
                reason = reason_in(
                    r.language,
                    gettext_noop("A meeting about case %(ref)s is planned for %(date)s."),
                    ref=case.reference,
                    date=case.planned_date.isoformat(),
                )
                specs.append(_spec(case, rule, due, r, "date_reminder", reason, {}))
                lines.append(f"{case.reference} {case.planned_date} → {r.email}")
        Case.objects.filter(pk__in=[case.pk for case in batch]).update(date_reminder_at=None)
        _next_meetings_due(batch, rule, now)
        messages_queue_bulk(specs)
    return len(batch), lines


def _next_meetings_due(batch: list[Case], rule, now: dt.datetime) -> None:
    """A case with another planned meeting after the one just reminded about gets that one's
    reminder: `planned_date` moves on to it. One query for the batch, one UPDATE per such case
    (few: most cases have one meeting ahead at a time)."""
    if not batch or rule is None:
        return
    days = {case.pk: case.planned_date for case in batch if case.planned_date}
    upcoming: dict[int, dt.date] = {}
    for case_id, starts_at in (
        CaseMeeting.objects.filter(
            case_id__in=list(days), status=MeetingStatus.PLANNED, starts_at__gt=now
        )
        .order_by("starts_at")
        .values_list("case_id", "starts_at")
    ):
        day = timezone.localtime(starts_at).date()
        if case_id not in upcoming and day > days[case_id]:
            upcoming[case_id] = day
    for case_id, day in upcoming.items():
        due = max(calendar.office_start(calendar.working_day_before(day)), now)
        Case.objects.filter(pk=case_id).update(planned_date=day, date_reminder_at=due)


def reminders_send_due(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> list[str]:
    """Queue every reminder due at `now`; returns one line per queued email.

    Outside office hours nothing is sent: due reminders wait for the next office start.
    """
    now = now or timezone.now()
    if not calendar.in_office_hours(now):
        return []
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    rules = {
        r.state: r for r in ReminderRule.objects.filter(kind=ReminderKind.WAITING, active=True)
    }
    date_rule = ReminderRule.objects.filter(kind=ReminderKind.BEFORE_DATE, active=True).first()
    coordinators = _coordinators()
    lines: list[str] = []
    while True:
        taken, queued = _waiting_batch(now, rules, coordinators, batch_size)
        lines += queued
        if taken < batch_size:
            break
    while True:
        taken, queued = _date_batch(now, date_rule, batch_size)
        lines += queued
        if taken < batch_size:
            break
    return lines


def _reminder_still_wanted(message: OutboxMessage) -> bool:
    wanted = message.condition or {}
    case = Case.objects.filter(pk=message.case_id or 0).only("state", "last_activity_at").first()
    if case is None or "state" not in wanted:
        return case is not None
    activity_at = parse_datetime(wanted.get("activity_at", ""))
    return case.state == wanted["state"] and (
        activity_at is None or case.last_activity_at <= activity_at
    )


def _reminder_context(message: OutboxMessage) -> dict:
    case = Case.objects.select_related("contact", "municipality").get(pk=message.case_id or 0)
    return {"case": case, "case_url": staff_case_url(case)}


register_still_wanted("reminder", _reminder_still_wanted)
register_context("reminder", _reminder_context)


def digests_send(*, now: dt.datetime | None = None) -> int:
    """One digest per working day: coordinators get new cases, cases waiting, unread replies
    and yesterday's changes; a contact person who chose the digest for replies or withdrawals
    (profile page) gets those of their own cases. Each section follows the reader's choices:
    "not at all" leaves it out."""
    now = now or timezone.now()
    if not calendar.in_office_hours(now):
        return 0
    today = timezone.localtime(now).date()
    since = calendar.office_start(calendar.working_day_before(today))
    new_cases = list(Case.objects.filter(created_at__gte=since).select_related("municipality")[:50])
    waiting = list(
        Case.objects.filter(state__in=OPEN_STATES, reminder_count__gt=0)
        .select_related("municipality", "contact")
        .order_by("state_changed_at")[:50]
    )
    waiting_total = Case.objects.filter(state__in=OPEN_STATES, reminder_count__gt=0).count()
    changes = list(
        CaseEvent.objects.filter(created_at__gte=since, kind="transition")
        .values("to_state")
        .annotate(n=Count("id"))
        .order_by("to_state")
    )
    # Replies nobody who may act on the case has read yet (the inbox's "New reply").
    replies = list(
        Case.objects.filter(new_reply_at__isnull=False)
        .select_related("municipality", "contact")
        .order_by("-new_reply_at")[:50]
    )
    withdrawn = list(
        Case.objects.filter(state=State.WITHDRAWN, state_changed_at__gte=since).select_related(
            "municipality", "contact"
        )[:50]
    )
    specs = []
    base = {"day": today, "inbox_url": settings.SITE_URL + "/staff/"}
    if new_cases or waiting or changes or replies:
        coordinators = User.objects.filter(is_active=True, role=Role.COORDINATOR).exclude(email="")
        for user in coordinators:
            reason = reason_in(
                "sv", gettext_noop("You are a coordinator and get a summary each working day.")
            )
            specs.append(
                MessageSpec(
                    key=f"digest:{today.isoformat()}:{user.email}",
                    kind="digest",
                    recipient=user.email,
                    template="digest",
                    context={
                        **base,
                        "coordinator": True,
                        "new_cases": new_cases if user.notify_new_request != Notify.OFF else None,
                        "waiting": waiting,
                        "waiting_total": waiting_total,
                        "changes": changes,
                        "replies": replies if user.notify_reply != Notify.OFF else [],
                    },
                    language="sv",
                    reason=reason,
                )
            )
    specs += _contact_digests(today=today, base=base, replies=replies, withdrawn=withdrawn)
    if not specs:
        return 0
    with transaction.atomic():
        return messages_queue_bulk(specs)


def _contact_digests(*, today, base: dict, replies: list, withdrawn: list) -> list[MessageSpec]:
    """Digests for contact persons who chose it for replies or withdrawals on their cases."""
    wanted = (
        User.objects.filter(is_active=True, role=Role.CONTACT, contact_person__isnull=False)
        .filter(Q(notify_reply=Notify.DIGEST) | Q(notify_withdrawn=Notify.DIGEST))
        .exclude(email="")
        .select_related("contact_person")
    )
    specs = []
    for user in wanted:
        contact_id = user.contact_person.pk
        mine_replies = [c for c in replies if c.contact_id == contact_id]
        mine_withdrawn = [c for c in withdrawn if c.contact_id == contact_id]
        context = {
            **base,
            "coordinator": False,
            "replies": mine_replies if user.notify_reply == Notify.DIGEST else [],
            "withdrawn": mine_withdrawn if user.notify_withdrawn == Notify.DIGEST else [],
        }
        if not (context["replies"] or context["withdrawn"]):
            continue
        language = user.contact_person.email_language
        specs.append(
            MessageSpec(
                key=f"digest:{today.isoformat()}:{user.email}",
                kind="digest",
                recipient=user.email,
                template="digest",
                context=context,
                language=language,
                reason=reason_in(
                    language,
                    gettext_noop("You chose a daily summary of your cases on your profile page."),
                ),
            )
        )
    return specs
