"""Liaisons of two municipalities, and a client signed in as one of them."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from directory.models import Municipality
from liaisons.models import Liaison
from liaisons.services import liaison_save
from liaisons.sessions import SESSION_KEY, session_data
from notifications.models import OutboxMessage


def make_liaison(code: str = "1490", email: str = "lena.berg@boras.example", **overrides):
    values = {
        "municipality": Municipality.objects.get(code=code),
        "name": "Lena Berg",
        "email": email,
    }
    values.update(overrides)
    return liaison_save(liaison=Liaison(**values))


@pytest.fixture
def liaison(directory) -> Liaison:
    return make_liaison()


@pytest.fixture
def other_liaison(directory) -> Liaison:
    return make_liaison(code="1452", email="tove.holm@tranemo.example", name="Tove Holm")


def signed_in(client, liaison: Liaison):
    """Put a signed-in liaison's session on `client` (a test or API client), as the sign-in
    link's confirmation leaves it."""
    session = SessionStore()
    session[SESSION_KEY] = session_data(liaison)
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def liaison_client(liaison) -> Client:
    return signed_in(Client(), liaison)


LINK = re.compile(r"https?://[^\s\"<]+/kommun/logga-in/([A-Za-z0-9_-]+)/")


def link_in(message: OutboxMessage) -> str:
    """The sign-in token in a queued email's text."""
    match = LINK.search(message.body_text)
    assert match, message.body_text
    return match.group(1)
