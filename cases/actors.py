"""Who acts on a case: one value passed to every case service.

A staff user signed in, the requester holding the tracking link, a contact person acting
through a signed email link, or the system (a scheduled job). The actor decides what the policy
allows, what the event records, and the name the timeline shows, so no service needs several
optional "who" parameters and no file spells the labels on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import CaseEvent
from directory.models import ContactPerson


class ActorKind(StrEnum):
    # The value is what CaseEvent.actor_label stores ("" for staff and system: the event's
    # actor column names the staff user, and an empty label with no user is the system).
    STAFF = ""
    REQUESTER = "requester"
    LINK = "contact_link"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user: User | AnonymousUser | None = None
    contact: ContactPerson | None = None

    @classmethod
    def staff(cls, user: User | AnonymousUser) -> Actor:
        """A signed-in user (the policy refuses an anonymous one)."""
        return cls(ActorKind.STAFF, user=user)

    @classmethod
    def requester(cls) -> Actor:
        return cls(ActorKind.REQUESTER)

    @classmethod
    def link(cls, contact: ContactPerson) -> Actor:
        """A signed email link speaks for the contact person it was sent to."""
        return cls(ActorKind.LINK, contact=contact)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @property
    def is_requester(self) -> bool:
        return self.kind == ActorKind.REQUESTER

    def event_fields(self) -> dict[str, Any]:
        """The CaseEvent columns that record who acted."""
        user = self.user if self.user is not None and self.user.is_authenticated else None
        label = "" if self.kind == ActorKind.SYSTEM else str(self.kind)
        return {"actor": user, "actor_label": label}

    def event_data(self) -> dict[str, Any]:
        """What the event's data keeps of the actor: the contact person behind a link."""
        return {"by_contact": self.contact.name} if self.contact is not None else {}


def actor_display(event: CaseEvent) -> str:
    """The name the timeline shows for whoever caused `event`."""
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.email
    if event.actor_label == ActorKind.REQUESTER:
        return _("Requester")
    if event.actor_label == ActorKind.LINK:
        return _("%(name)s (contact person, via email link)") % {
            "name": event.data.get("by_contact", "")
        }
    return _("System")
