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
