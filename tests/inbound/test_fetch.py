"""Replies by email, through a real IMAP server: imported once, onto the right case; automatic
mail recorded and left alone; the unknown kept for coordinators; nothing lost when IMAP fails."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inbound.addresses import reply_address_get, reply_to, thread_root
from inbound.models import InboundMail, Outcome, Reason
from inbound.services import mail_fetch
from notifications.models import OutboxMessage
from tests.factories import make_case
from tests.inbound.conftest import PDF, client_reply
from tests.inbound.test_parsing import bounce

pytestmark = [pytest.mark.django_db]


def messages_of(case):
    from conversation.models import Message

    return list(Message.objects.filter(case=case).prefetch_related("attachments"))


@pytest.fixture
def case(directory, imap):
    case = make_case()
    case.reply_to = reply_to(reply_address_get(case_id=case.pk))
    return case


def test_a_reply_written_by_a_mail_client_becomes_its_new_text_and_file_on_the_case(
    case, imap, settings
):
    other = make_case(requester_email="olle@alingsas.example")
    reply_address_get(case_id=other.pk)
    imap.append(
        client_reply(
            to=f"Samverka <{case.reply_to}>",
            reference=case.reference,
            files=(("agenda.pdf", "application/pdf", PDF),),
        )
    )
    outbox_before = set(OutboxMessage.objects.values_list("pk", flat=True))

    report = mail_fetch()

    assert report.counts == {"imported": 1} and not report.error
    [message] = messages_of(case)
    assert message.body == (
        "Tack! Vi kan träffas tisdag 10 december kl. 14.\nJag bifogar vår agenda."
    )
    assert [a.filename for a in message.attachments.all()] == ["agenda.pdf"]
    with message.attachments.get().file.open("rb") as f:
        assert f.read() == PDF
    assert message.flagged is False and message.channel == "email"
    assert messages_of(other) == []
    mail = InboundMail.objects.get()
    assert (mail.outcome, mail.case, mail.message_pk) == (Outcome.IMPORTED, case, message.pk)
    # Moved out of the inbox once done; the raw email is kept.
    assert imap.count("INBOX") == 0 and imap.count("Processed") == 1
    assert mail.raw.read().startswith(b"From: Eva Ek")
    # The staff hear of it; the sender gets nothing back.
    new_mail = OutboxMessage.objects.exclude(pk__in=outbox_before)
    assert "eva.ek@boras.example" not in {m.recipient for m in new_mail}


def test_the_same_email_fetched_twice_is_one_message(case, imap):
    raw = client_reply(to=case.reply_to, message_id="<same-1@boras.example>")
    imap.append(raw)
    assert mail_fetch().counts == {"imported": 1}
    # Delivered again (a second copy through another alias, or put back by a user).
    imap.append(raw)
    assert mail_fetch().counts == {"duplicate": 1}
    assert mail_fetch().counts == {}

    assert len(messages_of(case)) == 1
    assert [m.outcome for m in InboundMail.objects.order_by("pk")] == ["imported", "duplicate"]
    assert imap.count("INBOX") == 0 and imap.count("Processed") == 2


def test_auto_replies_and_bounces_are_recorded_but_not_imported_and_answer_nobody(case, imap):
    outbox_before = OutboxMessage.objects.count()
    imap.append(
        client_reply(
            to=case.reply_to,
            text="Jag är ledig till 6 januari.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    imap.append(client_reply(to=case.reply_to, headers={"Precedence": "bulk"}))
    imap.append(bounce(case.reply_to))

    assert mail_fetch().counts == {"auto_reply": 2, "bounce": 1}

    assert messages_of(case) == []
    assert OutboxMessage.objects.count() == outbox_before, "no email, to anyone"
    assert sorted(InboundMail.objects.values_list("outcome", flat=True)) == [
        "auto_reply",
        "auto_reply",
        "bounce",
    ]
    assert imap.count("INBOX") == 0


def test_a_reply_from_another_address_is_accepted_but_flagged(case, imap):
    imap.append(client_reply(to=case.reply_to, sender="Kalle <kalle@boras.example>"))
    assert mail_fetch().counts == {"imported": 1}
    [message] = messages_of(case)
    assert message.flagged is True
    assert message.sender_email == "kalle@boras.example"
    assert InboundMail.objects.get().flagged is True


def test_a_reply_that_lost_its_token_finds_the_case_by_its_thread(case, imap):
    root = thread_root(reply_address_get(case_id=case.pk))
    imap.append(
        client_reply(to="samverka@hb.example", headers={"In-Reply-To": root, "References": root})
    )
    assert mail_fetch().counts == {"imported": 1}
    assert len(messages_of(case)) == 1


def test_an_unknown_token_goes_to_the_unmatched_queue_and_a_coordinator_attaches_it(
    case, imap, client, coordinator
):
    imap.append(
        client_reply(
            to="svar+zzzzzzzzzzzzzzzzzzzzzzzz@hb.example",
            files=(("agenda.pdf", "application/pdf", PDF),),
        )
    )
    assert mail_fetch().counts == {"unmatched": 1}
    mail = InboundMail.objects.get()
    assert (mail.outcome, mail.reason) == (Outcome.UNMATCHED, Reason.UNKNOWN)
    assert messages_of(case) == []
    assert imap.count("INBOX") == 0, "kept in Samverka, not left to be fetched again"

    client.force_login(coordinator)
    page = client.get("/staff/unmatched/").content.decode()
    assert "Re: Vi har tagit emot din förfrågan" in page
    assert "Okänd svarsadress" in page
    response = client.post(
        f"/staff/unmatched/{mail.pk}/attach/", {"reference": case.reference}, follow=True
    )
    assert f"lades till i ärende {case.reference}" in response.content.decode()

    [message] = messages_of(case)
    assert message.body.startswith("Tack! Vi kan träffas")
    assert [a.filename for a in message.attachments.all()] == ["agenda.pdf"]
    mail.refresh_from_db()
    assert (mail.outcome, mail.case, mail.handled_by) == (Outcome.ATTACHED, case, coordinator)
    assert "Inga okopplade mejl." in client.get("/staff/unmatched/").content.decode()


def test_a_reply_to_an_anonymised_case_goes_to_the_unmatched_queue(case, imap):
    from privacy.services import requester_erase

    requester_erase(email=case.requester_email)
    case.refresh_from_db()
    assert case.anonymised_at is not None
    imap.append(client_reply(to=case.reply_to))
    assert mail_fetch().counts == {"unmatched": 1}
    assert InboundMail.objects.get().reason == Reason.ANONYMISED
    assert messages_of(case) == []


def test_a_30_mb_attachment_is_refused_with_a_reason_and_the_text_still_imported(case, imap):
    big = PDF + b"0" * (30 * 1024 * 1024)
    outbox_before = set(OutboxMessage.objects.values_list("pk", flat=True))
    imap.append(client_reply(to=case.reply_to, files=(("rapport.pdf", "application/pdf", big),)))
    assert mail_fetch().counts == {"imported": 1}

    [message] = messages_of(case)
    assert message.body.startswith("Tack! Vi kan träffas")
    assert list(message.attachments.all()) == []
    [refused] = message.refused_files
    assert refused["name"] == "rapport.pdf" and "för stor" in refused["reason"]
    assert "rapport.pdf" in InboundMail.objects.get().note
    new_mail = OutboxMessage.objects.exclude(pk__in=outbox_before)
    assert "eva.ek@boras.example" not in {m.recipient for m in new_mail}, "no answer: no loops"


def test_imap_down_is_logged_and_the_next_fetch_takes_everything(case, imap, settings, caplog):
    imap.append(client_reply(to=case.reply_to))
    good_url = settings.INBOUND_IMAP_URL
    settings.INBOUND_IMAP_URL = good_url.replace(f":{imap.server.port}/", ":1/")

    report = mail_fetch()

    assert report.counts == {} and "ConnectionRefusedError" in report.error
    assert "the IMAP server failed" in caplog.text and "trying again" in caplog.text
    assert InboundMail.objects.count() == 0 and imap.count("INBOX") == 1

    settings.INBOUND_IMAP_URL = good_url.replace(imap.server.password, "wrong-password")
    assert "LOGIN" in mail_fetch().error or "AUTHENTICATIONFAILED" in mail_fetch().error

    settings.INBOUND_IMAP_URL = good_url
    assert mail_fetch().counts == {"imported": 1}
    assert len(messages_of(case)) == 1


def test_the_periodic_task_fetches_once_per_tick_and_survives_imap_down(case, imap, settings):
    from inbound.tasks import fetch_mail

    imap.append(client_reply(to=case.reply_to))
    settings.INBOUND_IMAP_URL = settings.INBOUND_IMAP_URL.replace(f":{imap.server.port}/", ":1/")
    assert fetch_mail() == {}  # no exception: the next tick tries again
    settings.INBOUND_IMAP_URL = settings.INBOUND_IMAP_URL.replace(":1/", f":{imap.server.port}/")
    settings.INBOUND_FETCH_SECONDS = 3600  # one tick for the rest of the test
    from notifications.models import ScheduledRun

    ScheduledRun.objects.filter(name="inbound_fetch").delete()
    assert fetch_mail() == {"imported": 1}
    assert fetch_mail() == {}, "a second run in the same tick does nothing"


def test_fetch_mail_prints_what_it_did(case, imap, capsys):
    imap.append(client_reply(to=case.reply_to))
    imap.append(client_reply(to=case.reply_to, headers={"Auto-Submitted": "auto-replied"}))
    imap.append(client_reply(to="svar+zzzzzzzzzzzzzzzzzzzzzzzz@hb.example"))

    call_command("fetch_mail")

    out = capsys.readouterr().out
    assert "Fetched 3 message(s): auto_reply: 1, imported: 1, unmatched: 1" in out


def test_a_server_without_move_gets_copy_delete_and_expunge(case, imap, monkeypatch):
    from inbound.mailbox import Mailbox

    enter = Mailbox.__enter__

    def without_move(self):
        enter(self)
        self.can_move = False
        return self

    monkeypatch.setattr(Mailbox, "__enter__", without_move)
    imap.append(client_reply(to=case.reply_to))
    imap.append(client_reply(to=case.reply_to))
    assert mail_fetch().counts == {"imported": 2}
    assert imap.count("INBOX") == 0 and imap.count("Processed") == 2


def test_an_executable_named_pdf_in_an_email_is_refused_and_the_rest_is_kept(case, imap):
    from tests.conversation.files import pe_bytes

    imap.append(
        client_reply(
            to=case.reply_to,
            files=(
                ("faktura.pdf", "application/pdf", pe_bytes()),
                ("agenda.pdf", "application/pdf", PDF),
            ),
        )
    )
    assert mail_fetch().counts == {"imported": 1}
    [message] = messages_of(case)
    assert [a.filename for a in message.attachments.all()] == ["agenda.pdf"]
    assert [r["name"] for r in message.refused_files] == ["faktura.pdf"]
    assert "inte en filtyp" in message.refused_files[0]["reason"]


def test_an_email_that_cannot_be_read_goes_to_the_queue_and_does_not_block_the_rest(
    case, imap, monkeypatch
):
    from inbound import parsing, services

    def parse(raw: bytes):
        if b"Trasigt" in raw:
            raise ValueError("broken MIME structure")
        return parsing.mail_parse(raw)

    monkeypatch.setattr(services, "mail_parse", parse)
    imap.append(client_reply(to=case.reply_to, text="Trasigt mejl."))
    imap.append(client_reply(to=case.reply_to))

    assert mail_fetch().counts == {"unmatched": 1, "imported": 1}
    broken = InboundMail.objects.get(outcome=Outcome.UNMATCHED)
    assert broken.reason == Reason.UNREADABLE and "broken MIME" in broken.note
    assert b"Trasigt" in broken.raw.read(), "kept whole, for a person to read"
    assert imap.count("INBOX") == 0


def test_two_copies_of_one_email_in_the_same_fetch_are_one_message(case, imap):
    """The chunk is decided at once: the second copy is a duplicate of the first, not a
    second import."""
    raw = client_reply(to=case.reply_to, message_id="<twice-in-one-fetch@boras.example>")
    imap.append(raw)
    imap.append(raw)

    assert mail_fetch().counts == {"imported": 1, "duplicate": 1}

    assert len(messages_of(case)) == 1
    assert imap.count("INBOX") == 0 and imap.count("Processed") == 2


def test_a_reply_the_case_refuses_in_the_middle_of_a_chunk_leaves_the_others_imported(
    case, imap, monkeypatch
):
    from cases.errors import CaseValidationError
    from inbound import port

    add = port.reply_add

    def refusing(**kwargs):
        if "Avvisas" in kwargs["body"]:
            raise CaseValidationError(message="refused for the test")
        return add(**kwargs)

    monkeypatch.setattr(port, "reply_add", refusing)
    imap.append(client_reply(to=case.reply_to, text="Första svaret."))
    imap.append(client_reply(to=case.reply_to, text="Avvisas."))
    imap.append(client_reply(to=case.reply_to, text="Tredje svaret."))

    assert mail_fetch().counts == {"imported": 2, "unmatched": 1}

    assert [m.body for m in messages_of(case)] == ["Första svaret.", "Tredje svaret."]
    refused = InboundMail.objects.get(outcome=Outcome.UNMATCHED)
    assert refused.reason == Reason.REFUSED and "refused for the test" in refused.note
    assert imap.count("INBOX") == 0
