"""Shared API fixtures: one case world with every role the permission model knows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_token_create
from cases.actors import Actor
from tests.factories import make_case, make_user
from tests.liaisons.conftest import make_liaison, signed_in

ROLES = (
    "anonymous",
    "other_token_holder",
    "contact_a",
    "contact_b",
    "coordinator",
    "registrar",
    "administrator",
    # A municipal liaison signed in by their emailed link (a session, no user): the API is not
    # theirs, so they get exactly what an anonymous caller gets.
    "liaison",
)
# Made-up tracking token for callers who hold none: syntactically fine, matches no case.
NO_TOKEN = "x" * 43


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    """Throttle counters live in the cache: start every test from zero with a known rate, so
    no test depends on how many submissions earlier tests made."""
    settings.API_SUBMIT_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    case: object  # assigned to contact B, state contact_assigned: the case under test
    other_case: object  # another requester's case, state received
    former_case: object  # was contact A's, now contact B's
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    liaison: object = None  # of the case's municipality (Borås)

    def client(self, role: str) -> APIClient:
        client = APIClient()
        if role == "liaison":
            signed_in(client, self.liaison)
        if role in self.tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client

    def tracking_token(self, role: str) -> str:
        return self.other_case.token if role == "other_token_holder" else NO_TOKEN


@pytest.fixture
def world(db, directory, contact_a, contact_b, contact_user_a, contact_user_b) -> World:
    coordinator = make_user("coordinator")
    users = {
        "contact_a": contact_user_a,
        "contact_b": contact_user_b,
        "coordinator": coordinator,
        "registrar": make_user("registrar"),
        "administrator": make_user("admin"),
    }
    case = make_case(steps=("assign_contact",), actor=coordinator, contact=contact_b)
    other = make_case(requester_email="other@kommun.example", title="Ett annat ärende")
    former = make_case(
        steps=("assign_contact",), actor=coordinator, contact=contact_a, title="Tidigare ärende"
    )
    from cases.services import case_transition

    former = case_transition(
        case=former,
        name="assign_contact",
        actor=Actor.staff(coordinator),
        data={"contact": contact_b.email},
    )
    tokens = {role: api_token_create(user=user, name="tests")[1] for role, user in users.items()}
    return World(
        case=case,
        other_case=other,
        former_case=former,
        users=users,
        tokens=tokens,
        liaison=make_liaison(),
    )
