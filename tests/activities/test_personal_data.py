"""A requester's export and erasure (privacy) cover their activity registrations."""

from __future__ import annotations

import io
import json
import zipfile

from activities.models import Registration, RegistrationStatus
from activities.services import registration_by_token, registration_create
from privacy.services import requester_erase, requester_export
from tests.activities.conftest import make_activity


def test_export_and_erasure_cover_registrations_and_free_the_seat(db, directory):
    activity = make_activity(capacity=1)
    seat, token = registration_create(
        activity=activity,
        name="Eva Ek",
        email="eva@boras.example",
        role="Chef",
        needs="Glutenfri",
        consent=True,
    )
    waiting, _ = registration_create(
        activity=activity,
        name="Per Persson",
        email="per@vargarda.example",
        role="Rektor",
        consent=True,
        join_waiting_list=True,
    )

    archive = zipfile.ZipFile(io.BytesIO(requester_export(email="eva@boras.example")))
    data = json.loads(archive.read("data.json"))
    [row] = data["activities"]["registrations"]
    assert (row["name"], row["needs"], row["status"]) == ("Eva Ek", "Glutenfri", "confirmed")

    requester_erase(email="eva@boras.example")
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED
    assert (seat.name, seat.needs) == ("", "")
    assert "eva" not in seat.email
    assert registration_by_token(token) is None  # the private link no longer works
    assert waiting.status == RegistrationStatus.CONFIRMED  # the seat went to the next in line
    assert not Registration.objects.filter(email__icontains="eva").exists()


def test_retention_anonymises_registrations_of_activities_that_ended_long_ago(db, directory):
    """Registrations are personal data tied to no case: the retention job removes them
    RETENTION_MONTHS after the activity, and keeps what the figures count."""
    import datetime as dt

    from django.utils import timezone

    from privacy.services import retention_apply

    old, recent = make_activity(title="Kommunbesök 2024"), make_activity(title="Seminarium")
    for activity, email in ((old, "eva@boras.example"), (recent, "per@vargarda.example")):
        registration_create(
            activity=activity, name="Namn", email=email, role="Chef", needs="Vegetarisk",
            consent=True,
        )  # fmt: skip
    long_ago = timezone.now() - dt.timedelta(days=25 * 31)
    type(old).objects.filter(pk=old.pk).update(
        starts_at=long_ago, ends_at=long_ago + dt.timedelta(hours=2)
    )

    run = retention_apply(now=timezone.now()).run

    gone = Registration.objects.get(activity=old)
    kept = Registration.objects.get(activity=recent)
    assert (gone.name, gone.role, gone.needs) == ("", "", "")
    assert gone.email.endswith("@invalid") and "eva" not in gone.email
    assert (gone.status, gone.municipality_id) == (RegistrationStatus.CONFIRMED, None)
    assert (kept.name, kept.email) == ("Namn", "per@vargarda.example")
    assert run.removed["activities"] == 1
    assert retention_apply(now=timezone.now()).run.removed["activities"] == 0  # idempotent
