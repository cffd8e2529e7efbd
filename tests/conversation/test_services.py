"""The conversation services: what staff and requesters see happen when a message is added."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Notify
from cases.actors import Actor
from cases.errors import ActionForbidden, CaseValidationError
from cases.models import Case, CaseEvent, EventKind
from cases.services import case_transition
from conversation.errors import CaseEnded
from conversation.models import Attachment, Channel, Direction, Message
from conversation.services import (
    case_conversation_erase,
    case_reply_seen,
    requester_message_add,
    staff_message_send,
)
from notifications.models import OutboxMessage
from tests.conversation.files import elf_bytes, pdf_bytes, png_bytes, upload
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned_case(coordinator, contact_a, contact_user_a):
    return make_case(steps=("assign_contact",), actor=coordinator, contact=contact_a)


def test_staff_message_is_recorded_on_the_timeline_and_emailed_to_the_requester(
    assigned_case, contact_user_a
):
    message = staff_message_send(
        case=assigned_case,
        user=contact_user_a,
        body="Hej Eva! Kan ni skicka siffrorna?",
        files=[upload("mall.pdf", pdf_bytes())],
    )
    assert message.direction == Direction.TO_REQUESTER and message.author == contact_user_a
    attachment = message.attachments.get()
    assert attachment.filename == "mall.pdf" and attachment.content_type == "application/pdf"
    assert attachment.file.name.startswith("attachments/")
    assert default_storage.open(attachment.file.name).read() == pdf_bytes()
    event = CaseEvent.objects.get(case=assigned_case, kind=EventKind.MESSAGE)
    assert event.public and event.data["message_id"] == message.pk
    email = OutboxMessage.objects.get(key=f"message:{message.pk}")
    assert email.recipient == "eva.ek@boras.example"
    assert "Kan ni skicka siffrorna?" in email.body_text and "mall.pdf" in email.body_text


def test_another_contact_person_may_not_write_on_the_case(assigned_case, contact_user_b):
    with pytest.raises(ActionForbidden):
        staff_message_send(case=assigned_case, user=contact_user_b, body="Hej")
    assert not Message.objects.exists()


def test_a_rejected_file_refuses_the_whole_staff_message_and_stores_nothing(
    assigned_case, contact_user_a
):
    with pytest.raises(CaseValidationError) as error:
        staff_message_send(
            case=assigned_case,
            user=contact_user_a,
            body="Här är filen",
            files=[upload("x.pdf", elf_bytes())],
        )
    assert "x.pdf" in error.value.fields["files"][0]
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_a_reply_marks_the_case_new_resets_reminders_and_tells_the_contact_at_once(
    assigned_case, contact_a
):
    Case.objects.filter(pk=assigned_case.pk).update(reminder_count=2, next_reminder_at=None)
    before = timezone.now()
    message = requester_message_add(
        case=assigned_case,
        body="Här kommer siffrorna.",
        files=[upload("siffror.png", png_bytes())],
        channel=Channel.WEB,
    )
    case = Case.objects.get(pk=assigned_case.pk)
    assert case.new_reply_at is not None and case.last_activity_at >= before
    assert case.reminder_count == 0 and case.next_reminder_at is not None
    event = CaseEvent.objects.get(case=case, kind=EventKind.MESSAGE)
    assert event.public and event.actor_label == "requester"
    (email,) = OutboxMessage.objects.filter(kind="reply")
    assert email.recipient == contact_a.email and "Här kommer siffrorna." in email.body_text
    assert message.attachments.get().content_type == "image/png"


def test_a_reply_on_an_unassigned_case_tells_the_coordinators_who_chose_at_once(
    directory, coordinator
):
    from tests.factories import make_user

    quiet = make_user("coordinator")
    quiet.notify_reply = Notify.DIGEST
    quiet.save()
    case = make_case()
    requester_message_add(case=case, body="En fråga till", channel=Channel.WEB)
    assert list(OutboxMessage.objects.filter(kind="reply").values_list("recipient", flat=True)) == [
        coordinator.email
    ]


def test_a_contact_who_turned_replies_off_gets_no_email(assigned_case, contact_user_a):
    contact_user_a.notify_reply = Notify.OFF
    contact_user_a.save()
    requester_message_add(case=assigned_case, body="Hej", channel=Channel.WEB)
    assert not OutboxMessage.objects.filter(kind="reply").exists()
    assert Case.objects.get(pk=assigned_case.pk).new_reply_at is not None


def test_the_same_email_imported_twice_is_one_message(assigned_case):
    first = requester_message_add(
        case=assigned_case,
        body="Svar via e-post",
        channel=Channel.EMAIL,
        sender_email="eva.ek@boras.example",
        email_message_id="<abc@boras.example>",
    )
    again = requester_message_add(
        case=assigned_case,
        body="Svar via e-post",
        channel=Channel.EMAIL,
        sender_email="eva.ek@boras.example",
        email_message_id="<abc@boras.example>",
    )
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert CaseEvent.objects.filter(kind=EventKind.MESSAGE).count() == 1
    assert OutboxMessage.objects.filter(kind="reply").count() == 1


def test_an_emailed_executable_is_left_out_and_recorded_but_the_text_is_kept(assigned_case):
    message = requester_message_add(
        case=assigned_case,
        body="Se bilagan",
        files=[upload("x.pdf", elf_bytes()), upload("ok.pdf", pdf_bytes())],
        channel=Channel.EMAIL,
        email_message_id="<m2@boras.example>",
    )
    assert message.body == "Se bilagan"
    assert [a.filename for a in message.attachments.all()] == ["ok.pdf"]
    assert message.refused_files[0]["name"] == "x.pdf"


def test_web_replies_to_an_ended_case_are_refused_but_emailed_ones_are_flagged(
    directory, coordinator
):
    case = make_case(steps=("decline",), actor=coordinator)
    with pytest.raises(CaseEnded):
        requester_message_add(case=case, body="Varför?", channel=Channel.WEB)
    message = requester_message_add(
        case=case, body="Varför?", channel=Channel.EMAIL, email_message_id="<m3@x>"
    )
    assert message.flagged and "case_ended" in message.flag_reasons
    assert Case.objects.get(pk=case.pk).new_reply_at is not None


def test_opening_or_answering_clears_new_reply_only_for_staff_who_may_act(
    assigned_case, contact_user_a, contact_user_b, registrar
):
    requester_message_add(case=assigned_case, body="Hej", channel=Channel.WEB)
    case = Case.objects.get(pk=assigned_case.pk)
    assert not case_reply_seen(case=case, user=registrar)
    assert not case_reply_seen(case=case, user=contact_user_b)
    assert Case.objects.get(pk=case.pk).new_reply_at is not None
    assert case_reply_seen(case=case, user=contact_user_a)
    assert Case.objects.get(pk=case.pk).new_reply_at is None
    requester_message_add(case=case, body="Hej igen", channel=Channel.WEB)
    staff_message_send(case=case, user=contact_user_a, body="Tack!")
    assert Case.objects.get(pk=case.pk).new_reply_at is None


def test_erasing_a_conversation_deletes_files_and_blanks_texts_once(
    assigned_case, contact_user_a, django_capture_on_commit_callbacks
):
    requester_message_add(
        case=assigned_case,
        body="Mitt telefonnummer är 070-123",
        files=[upload("bild.png", png_bytes())],
        channel=Channel.EMAIL,
        sender_email="eva.ek@boras.example",
        email_message_id="<m4@x>",
    )
    staff_message_send(case=assigned_case, user=contact_user_a, body="Tack Eva")
    name = Attachment.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert case_conversation_erase([assigned_case.pk]) == 2
    assert not default_storage.exists(name)
    assert not Attachment.objects.exists()
    assert set(Message.objects.values_list("body", "sender_email")) == {("", "")}
    assert case_conversation_erase([assigned_case.pk]) == 0


def test_a_withdrawn_case_refuses_tracking_page_replies(directory, coordinator):
    case = make_case()
    case = case_transition(case=case, name="withdraw", actor=Actor.requester(), data={})
    with pytest.raises(CaseEnded):
        requester_message_add(case=case, body="Hej", channel=Channel.WEB)


def test_retention_finds_the_conversation_in_the_privacy_registry(assigned_case, contact_user_a):
    from privacy import registry

    (holder,) = [h for h in registry.holders() if h.name == "conversation"]
    requester_message_add(
        case=assigned_case,
        body="Bifogar kartan",
        files=[upload("karta.png", png_bytes())],
        channel=Channel.WEB,
    )
    exported = holder.exporter("Eva.Ek@boras.example")
    assert exported["messages"][0]["body"] == "Bifogar kartan"
    assert list(holder.attachments("eva.ek@boras.example")) == [("karta.png", png_bytes())]
    assert holder.eraser([assigned_case.pk]) == 1


def test_a_new_request_tells_coordinators_who_chose_at_once_in_one_statement(
    directory, coordinator, django_capture_on_commit_callbacks
):
    from notifications.services import _render_stored
    from tests.factories import make_user

    quiet = make_user("coordinator")
    quiet.notify_new_request = Notify.OFF
    quiet.save()
    case = make_case(title="Skolgårdar och klimat")
    (email,) = OutboxMessage.objects.filter(kind="new_request")
    assert email.recipient == coordinator.email and email.case_id == case.pk
    _render_stored(email, OutboxMessage.objects.filter(pk=email.pk))
    assert case.reference in email.subject and "Skolgårdar och klimat" in email.body_text


def test_an_anonymised_case_takes_no_message_from_either_side(assigned_case, contact_user_a):
    from conversation.errors import CaseAnonymised

    Case.objects.filter(pk=assigned_case.pk).update(anonymised_at=timezone.now())
    case = Case.objects.get(pk=assigned_case.pk)
    with pytest.raises(CaseAnonymised):
        requester_message_add(
            case=case, body="Hej", channel=Channel.EMAIL, email_message_id="<a@x>"
        )
    with pytest.raises(CaseAnonymised):
        staff_message_send(case=case, user=contact_user_a, body="Hej")
    assert not Message.objects.exists()


def test_an_emailed_reply_loses_bidi_overrides_and_zero_width_characters(assigned_case):
    # "Trojan Source": text that reads differently on the case page than it is stored.
    message = requester_message_add(
        case=assigned_case,
        body="Vi ses \u202eKCOLC 01\u202c på\u200b tisdag",
        channel=Channel.EMAIL,
        sender_email="eva.ek@boras.example",
        email_message_id="<bidi@boras.example>",
    )
    assert message.body == "Vi ses KCOLC 01 på tisdag"
