"""Meeting participants in retention, erasure and export (registered in PrivacyConfig.ready).

The names and email addresses of the people invited to a case's meetings (the requester, the
contact person, anyone added by name and email) and the meetings' free texts go with the case:
erased when it is anonymised, exported with the requester's data. An address erased on its own
(a person invited but not the requester) is anonymised in every meeting it was invited to.
"""

from __future__ import annotations

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from cases.models import CaseMeeting, MeetingParticipant


def _anonymise(participants) -> int:
    return participants.exclude(email__endswith="@invalid").update(
        name="",
        email=Concat(Value("erased-"), Cast("pk", CharField()), Value("@invalid")),
        user=None,
        contact=None,
    )


def meetings_erase(case_ids: list[int]) -> int:
    """Anonymise the participants and blank the free texts of these cases' meetings; the
    meetings themselves (kind, time, status) stay for the case record. Safe to run twice."""
    people = _anonymise(MeetingParticipant.objects.filter(meeting__case_id__in=case_ids))
    texts = (
        CaseMeeting.objects.filter(case_id__in=case_ids)
        .exclude(place="", online_url="", agenda="", minutes="", outcome="")
        .update(place="", online_url="", agenda="", minutes="", outcome="")
    )
    return people + texts


def meetings_email_erase(email: str) -> int:
    return _anonymise(MeetingParticipant.objects.filter(email__iexact=email.strip()))


def meetings_export(email: str) -> dict:
    rows = (
        MeetingParticipant.objects.filter(email__iexact=email.strip())
        .select_related("meeting", "meeting__case")
        .order_by("meeting__starts_at", "pk")
    )
    return {
        "meetings": [
            {
                "case": p.meeting.case.reference,
                "kind": p.meeting.kind,
                "status": p.meeting.status,
                "starts_at": p.meeting.starts_at.isoformat(),
                "ends_at": p.meeting.ends_at.isoformat(),
                "place": p.meeting.place,
                "online_url": p.meeting.online_url,
                "agenda": p.meeting.agenda,
                "role": p.role,
                "name": p.name,
                "email": p.email,
            }
            for p in rows
        ]
    }
