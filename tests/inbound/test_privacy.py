"""What inbound holds of a requester is exported, and erased with the case or the address."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from inbound.addresses import reply_address_get, reply_to
from inbound.erasure import cases_erase, email_attachments, email_erase, email_export
from inbound.models import InboundMail
from inbound.services import mail_take
from tests.factories import make_case
from tests.inbound.conftest import client_reply

pytestmark = pytest.mark.django_db(transaction=True)
_uids = itertools.count(1)


def take(raw: bytes) -> InboundMail:
    mail_take(raw=raw, mailbox="test", uidvalidity=1, uid=next(_uids))
    return InboundMail.objects.order_by("-pk").first()


def test_erasing_a_case_blanks_its_emails_deletes_the_files_and_stops_its_address(
    directory, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    case = make_case()
    address = reply_to(reply_address_get(case_id=case.pk))
    imported = take(client_reply(to=address))
    stray = take(client_reply(to="info@hb.example"))
    assert imported.case == case and stray.case is None
    export = email_export("EVA.EK@boras.example")
    assert len(export["incoming_emails"]) == 2
    assert sorted(name for name, _ in email_attachments("eva.ek@boras.example")) == [
        f"email-{imported.pk}.eml",
        f"email-{stray.pk}.eml",
    ]

    with transaction.atomic():
        assert cases_erase([case.pk]) == 2  # the address revoked, one email blanked
    imported.refresh_from_db()
    assert (imported.sender, imported.subject, imported.body, imported.raw.name) == ("", "", "", "")
    assert cases_erase([case.pk]) == 0, "a second run changes nothing"
    # A later reply to the anonymised case is not imported.
    assert take(client_reply(to=address)).reason == "anonymised"

    with transaction.atomic():
        assert email_erase("eva.ek@boras.example") == 2  # the stray one and the late reply
    assert email_export("eva.ek@boras.example") == {"incoming_emails": []}
    assert not InboundMail.objects.filter(outcome="unmatched").exists(), "out of the queue"
    assert list(tmp_path.rglob("*.eml")) == []
