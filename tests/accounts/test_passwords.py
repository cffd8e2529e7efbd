"""Finding 9: the password policy holds wherever a password is set."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.services import staff_user_create

pytestmark = pytest.mark.django_db


def test_create_staff_user_refuses_a_one_letter_password_with_a_clear_error():
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_staff_user", "eva@hb.example", "--role", "coordinator", "--password", "a"
        )

    assert "Password refused" in str(refused.value)
    assert "minst 12 tecken" in str(refused.value)  # Django's message, in Swedish first
    assert not User.objects.filter(username="eva@hb.example").exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("eva.lindqvist@hb.example", "alltför likt"),
        ("482915730264118", "enbart numeriskt"),
        ("password1234", "alldeles för vanligt"),
        ("kort-lösen", "för kort"),
    ],
)
def test_the_service_refuses_weak_passwords(password, reason):
    with pytest.raises(ValidationError) as refused:
        staff_user_create(email="eva.lindqvist@hb.example", role="contact", password=password)

    assert reason in " ".join(refused.value.messages)
    assert not User.objects.filter(username="eva.lindqvist@hb.example").exists()


def test_a_good_password_is_accepted_and_works(client):
    call_command(
        "create_staff_user",
        "eva@hb.example",
        "--role",
        "coordinator",
        "--password",
        "grön-cykel-vid-ån-7",
    )
    response = client.post(
        "/accounts/login/", {"username": "eva@hb.example", "password": "grön-cykel-vid-ån-7"}
    )
    assert response.status_code == 302
