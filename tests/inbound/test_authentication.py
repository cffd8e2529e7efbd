"""Sender verification of replies: SPF/DKIM/DMARC as our receiving server recorded them
(Authentication-Results; forged ones further down ignored) and DKIM signatures checked here
with dkimpy (signed in the test with a real key; DNS, outside the house, answered by dnsfunc).
A reply that fails is taken in and flagged, on the case page and in the unmatched queue."""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from inbound import authentication
from inbound.addresses import reply_address_get, reply_to
from inbound.authentication import results_parse
from inbound.models import InboundMail, Outcome, Verdict
from inbound.parsing import mail_parse
from inbound.services import mail_fetch
from tests.factories import make_case
from tests.inbound.conftest import client_reply

pytestmark = [pytest.mark.django_db]

MX = "mx.hb.example"


@pytest.fixture
def authserv(settings):
    settings.INBOUND_AUTHSERV_ID = MX
    settings.INBOUND_AUTHSERV_HOPS = 0
    settings.INBOUND_DKIM_VERIFY = False


def received(by: str = MX) -> str:
    return f"from mail.boras.example (mail.boras.example [192.0.2.7]) by {by} with ESMTPS id 4Xy"


def with_headers(raw: bytes, *headers: tuple[str, str]) -> bytes:
    """Headers put on top, as servers on the way add them (the last given ends up on top)."""
    for name, value in headers:
        raw = f"{name}: {value}\r\n".encode() + raw
    return raw


def reply(to: str = "svar+abcdefghijkl@hb.example", **kwargs) -> bytes:
    raw = client_reply(to=to, **kwargs)
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # as it travels: CRLF


def verdict(raw: bytes) -> str:
    return mail_parse(raw).authentication.verdict


def test_the_results_header_is_read_as_rfc_8601_writes_it():
    authserv_id, results = results_parse(
        "mx.hb.example 1; spf=pass (sender is authorized) smtp.mailfrom=eva@boras.example; "
        'dkim=fail reason="signature did not verify" header.d=boras.example header.i=@boras.example; '
        "dmarc=fail (p=reject dis=none) header.from=boras.example"
    )
    assert authserv_id == MX
    assert [(r.method, r.result) for r in results] == [
        ("spf", "pass"),
        ("dkim", "fail"),
        ("dmarc", "fail"),
    ]
    assert results[0].props["smtp.mailfrom"] == "eva@boras.example"
    assert results[1].props == {
        "reason": "signature did not verify",
        "header.d": "boras.example",
        "header.i": "@boras.example",
    }
    assert results_parse("mx.hb.example; none") == ("mx.hb.example", [])


def test_our_servers_dmarc_fail_fails_and_pass_passes(authserv):
    base = reply()
    failed = with_headers(
        base,
        ("Received", received()),
        ("Authentication-Results", f"{MX}; spf=fail smtp.mailfrom=x@evil.example; dmarc=fail"),
    )
    passed = with_headers(
        base,
        ("Received", received()),
        ("Authentication-Results", f"{MX}; dkim=pass header.d=boras.example; dmarc=pass"),
    )
    assert verdict(failed) == Verdict.FAIL
    assert verdict(passed) == Verdict.PASS
    assert "dmarc=fail" in mail_parse(failed).authentication.details


def test_a_forged_header_further_down_or_from_another_server_is_ignored(authserv):
    # The sender wrote "dmarc=pass" under our name; our server, above its Received, says fail.
    forged_below = with_headers(
        reply(),
        ("Authentication-Results", f"{MX}; dmarc=pass header.from=boras.example"),
        ("Received", received()),
        ("Authentication-Results", f"{MX}; spf=softfail smtp.mailfrom=boras.example; dmarc=fail"),
    )
    assert verdict(forged_below) == Verdict.FAIL
    # Only a forged one, below our Received: nothing trusted, so no pass.
    only_forged = with_headers(
        reply(),
        ("Authentication-Results", f"{MX}; dkim=pass header.d=boras.example; dmarc=pass"),
        ("Received", received()),
    )
    assert verdict(only_forged) == Verdict.NONE
    # Another server's results count for nothing, even on top.
    other_server = with_headers(reply(), ("Authentication-Results", "mx.evil.example; dmarc=pass"))
    assert verdict(other_server) == Verdict.NONE


def test_local_delivery_adding_a_received_header_is_allowed_for_by_the_hops_setting(
    authserv, settings
):
    raw = with_headers(
        reply(),
        ("Received", received()),
        ("Authentication-Results", f"{MX}; dmarc=fail header.from=boras.example"),
        ("Received", "from mx.hb.example by imap.hb.example with LMTP id 9"),
    )
    assert verdict(raw) == Verdict.NONE, "one Received above: not ours with 0 hops"
    settings.INBOUND_AUTHSERV_HOPS = 1
    assert verdict(raw) == Verdict.FAIL


def test_without_dmarc_an_aligned_pass_passes_and_an_unaligned_one_does_not(authserv):
    def results(value: str) -> bytes:
        return with_headers(reply(), ("Received", received()), ("Authentication-Results", value))

    assert verdict(results(f"{MX}; spf=pass smtp.mailfrom=eva@boras.example")) == Verdict.PASS
    assert verdict(results(f"{MX}; dkim=pass header.d=mail.boras.example")) == Verdict.PASS
    # Signed by someone else's domain, SPF failing for the envelope: fail.
    unaligned = f"{MX}; dkim=pass header.d=evil.example; spf=fail smtp.mailfrom=boras.example"
    assert verdict(results(unaligned)) == Verdict.FAIL
    assert verdict(results(f"{MX}; spf=none; dkim=none")) == Verdict.NONE


def test_nothing_is_checked_when_not_configured(settings):
    settings.INBOUND_AUTHSERV_ID = ""
    settings.INBOUND_DKIM_VERIFY = False
    raw = with_headers(reply(), ("Authentication-Results", f"{MX}; dmarc=fail"))
    assert verdict(raw) == Verdict.UNCHECKED


# --- DKIM checked here, with a real key ----------------------------------------------------


@pytest.fixture(scope="module")
def dkim_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


@pytest.fixture
def dkim_dns(dkim_key, monkeypatch, settings):
    """DNS answers with the test key's public half at s1._domainkey.boras.example."""
    settings.INBOUND_DKIM_VERIFY = True
    settings.INBOUND_AUTHSERV_ID = ""
    asked = []

    def txt(name: bytes, timeout: int = 5) -> bytes | None:
        asked.append(name)
        return dkim_key[1] if name == b"s1._domainkey.boras.example." else None

    monkeypatch.setattr(authentication, "dns_txt", txt)
    return asked


def signed(raw: bytes, key: bytes, domain: str = "boras.example") -> bytes:
    signature = dkim.sign(
        raw,
        b"s1",
        domain.encode(),
        key,
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    return signature + raw


def test_a_dkim_signature_by_the_senders_domain_verifies_and_passes(dkim_key, dkim_dns):
    raw = signed(reply(), dkim_key[0])

    auth = mail_parse(raw).authentication

    assert auth.verdict == Verdict.PASS
    assert "d=boras.example pass" in auth.details
    assert dkim_dns == [b"s1._domainkey.boras.example."]


def test_a_changed_body_or_a_key_of_another_domain_fails(dkim_key, dkim_dns):
    raw = signed(reply(), dkim_key[0])
    tampered = raw.replace(b"Tack! Vi kan", b"Betala till konto 1234! Vi kan")
    assert verdict(tampered) == Verdict.FAIL
    # Signed with our key but claiming a domain whose DNS has no such key.
    assert verdict(signed(reply(), dkim_key[0], domain="evil.example")) == Verdict.FAIL
    assert verdict(reply()) == Verdict.NONE, "no signature: nothing either way"


# --- Through the real IMAP server: accepted, flagged, visible --------------------------------


@pytest.fixture
def case(directory, imap):
    case = make_case()
    case.reply_to = reply_to(reply_address_get(case_id=case.pk))
    return case


def failing(raw: bytes) -> bytes:
    return with_headers(
        raw,
        ("Received", received()),
        (
            "Authentication-Results",
            f"{MX}; spf=fail smtp.mailfrom=eva.ek@boras.example; dkim=none; "
            "dmarc=fail header.from=boras.example",
        ),
    )


def test_a_reply_failing_dmarc_is_imported_but_flagged_on_the_case_page(
    case, imap, authserv, client, coordinator
):
    imap.append(failing(reply(to=case.reply_to)))

    assert mail_fetch().counts == {"imported": 1}

    from conversation.models import Message

    message = Message.objects.get(case=case)
    assert message.body.startswith("Tack! Vi kan träffas")
    assert message.flagged is True and message.flag_reasons == ["unauthenticated"]
    mail = InboundMail.objects.get()
    assert (mail.outcome, mail.authentication, mail.flagged) == ("imported", "fail", True)
    client.force_login(coordinator)
    page = client.get(reverse("staff-case", args=[case.reference])).content.decode()
    assert "avsändaren inte verifierad: SPF/DKIM/DMARC misslyckades" in page


def test_a_verified_reply_from_the_requester_is_not_flagged(case, imap, authserv):
    raw = with_headers(
        reply(to=case.reply_to),
        ("Received", received()),
        ("Authentication-Results", f"{MX}; dkim=pass header.d=boras.example; dmarc=pass"),
    )
    imap.append(raw)
    assert mail_fetch().counts == {"imported": 1}
    mail = InboundMail.objects.get()
    assert (mail.authentication, mail.flagged) == (Verdict.PASS, False)


def test_an_unmatched_reply_failing_verification_is_flagged_in_the_queue(
    case, imap, authserv, client, coordinator
):
    imap.append(failing(reply(to="svar+zzzzzzzzzzzzzzzzzzzzzzzz@hb.example")))
    assert mail_fetch().counts == {"unmatched": 1}
    mail = InboundMail.objects.get()
    assert (mail.outcome, mail.flagged) == (Outcome.UNMATCHED, True)

    client.force_login(coordinator)
    page = client.get("/staff/unmatched/").content.decode()
    assert 'data-testid="unauthenticated"' in page
    assert "Avsändarverifiering" in page and "dmarc=fail" in page
    # Attached to the case by a coordinator, it stays flagged there.
    client.post(f"/staff/unmatched/{mail.pk}/attach/", {"reference": case.reference})
    from conversation.models import Message

    assert Message.objects.get(case=case).flag_reasons == ["unauthenticated"]


def test_a_signed_reply_checked_here_after_the_imap_round_trip_passes(
    case, imap, dkim_key, dkim_dns
):
    imap.append(signed(reply(to=case.reply_to), dkim_key[0]))
    assert mail_fetch().counts == {"imported": 1}
    assert InboundMail.objects.get().authentication == Verdict.PASS
