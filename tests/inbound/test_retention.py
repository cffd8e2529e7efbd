"""Mail kept only as a record (automatic replies, bounces, duplicates) and unmatched mail a
coordinator discarded are deleted, row and stored email, INBOUND_IGNORED_RETENTION_DAYS after,
by privacy's hourly retention job; replies and the unmatched queue stay."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbound.addresses import reply_address_get, reply_to
from inbound.models import InboundMail, Outcome
from inbound.services import mail_take, unmatched_discard
from privacy.services import retention_apply
from privacy.tasks import apply_retention
from tests.factories import make_case
from tests.inbound.conftest import client_reply
from tests.inbound.test_parsing import bounce

pytestmark = pytest.mark.django_db(transaction=True)
_uids = itertools.count(1)


def take(raw: bytes, days_ago: int) -> InboundMail:
    mail_take(raw=raw, mailbox="test", uidvalidity=1, uid=next(_uids))
    mail = InboundMail.objects.order_by("-pk").first()
    then = timezone.now() - timedelta(days=days_ago)
    InboundMail.objects.filter(pk=mail.pk).update(fetched_at=then)
    return mail


def test_old_automatic_mail_and_discarded_mail_go_with_their_files_the_rest_stays(
    directory, settings, tmp_path, coordinator, registrar, client
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.INBOUND_IGNORED_RETENTION_DAYS = 90
    case = make_case()
    address = reply_to(reply_address_get(case_id=case.pk))
    auto = take(client_reply(to=address, headers={"Auto-Submitted": "auto-replied"}), 100)
    old_bounce = take(bounce(address), 100)
    recent_auto = take(client_reply(to=address, headers={"Precedence": "bulk"}), 10)
    reply = take(client_reply(to=address, message_id="<kept@boras.example>"), 100)
    duplicate = take(client_reply(to=address, message_id="<kept@boras.example>"), 100)
    queued = take(client_reply(to="info@hb.example"), 100)
    discarded_old = take(client_reply(to="info@hb.example"), 200)
    discarded_recent = take(client_reply(to="info@hb.example"), 200)
    for mail, days in ((discarded_old, 95), (discarded_recent, 5)):
        unmatched_discard(mail_id=mail.pk, user=coordinator)
        then = timezone.now() - timedelta(days=days)
        InboundMail.objects.filter(pk=mail.pk).update(handled_at=then)
    assert (reply.outcome, duplicate.outcome) == (Outcome.IMPORTED, Outcome.DUPLICATE)
    assert len(list(tmp_path.rglob("*.eml"))) == 8

    result = retention_apply(trigger="job")

    left = set(InboundMail.objects.values_list("pk", flat=True))
    assert left == {recent_auto.pk, reply.pk, queued.pk, discarded_recent.pk}
    for gone in (auto, old_bounce, duplicate, discarded_old):
        assert not (tmp_path / gone.raw.name).exists()
    assert len(list(tmp_path.rglob("*.eml"))) == 4
    assert result.run.removed["inbound"] == 4
    # The registrar sees it in the data protection page's list of runs.
    client.force_login(registrar)
    assert "inbound 4" in client.get(reverse("staff-privacy")).content.decode()
    # A second run (the next hour) finds nothing more.
    assert retention_apply(trigger="job").run.removed["inbound"] == 0


def test_the_hourly_task_deletes_them_and_a_dry_run_does_not(directory, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.INBOUND_IGNORED_RETENTION_DAYS = 30
    old = take(bounce("svar+abcdefghijkl@hb.example"), 31)

    retention_apply(dry_run=True, trigger="job")
    assert InboundMail.objects.filter(pk=old.pk).exists()

    apply_retention()
    assert not InboundMail.objects.filter(pk=old.pk).exists()
    assert list(tmp_path.rglob("*.eml")) == []
