"""Every data-protection and audit page x every role -> expected status, generated from the URL
configuration: a page added under /staff/privacy/ or /staff/audit without an entry here fails
`test_every_data_protection_route_has_a_matrix_entry`."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from tests.api.test_permission_matrix import _walk
from tests.factories import make_user

ROLES = ("anonymous", "contact", "coordinator", "registrar", "admin")
PREFIXES = ("staff/privacy", "staff/audit")
LOGIN = 302  # anonymous visitors are sent to the login page


def _roles(contact, coordinator, registrar, admin):
    return {
        "anonymous": LOGIN,
        "contact": contact,
        "coordinator": coordinator,
        "registrar": registrar,
        "admin": admin,
    }


REGISTRAR_READ = _roles(403, 403, 200, 200)
ADMIN_ONLY = _roles(403, 403, 403, 200)
EMAIL = {"email": "eva@boras.example"}

# url name -> (method, body, expected status per role)
MATRIX = {
    "staff-privacy": ("get", None, REGISTRAR_READ),
    "staff-privacy-due-csv": ("get", None, REGISTRAR_READ),
    "staff-privacy-due-json": ("get", None, REGISTRAR_READ),
    "staff-privacy-lookup": ("post", EMAIL, REGISTRAR_READ),
    "staff-privacy-export": ("post", EMAIL, REGISTRAR_READ),
    # Erasing redirects back to the page with a message.
    "staff-privacy-erase": ("post", {**EMAIL, "confirm": "on"}, _roles(403, 403, 302, 302)),
    "staff-audit": ("get", None, ADMIN_ONLY),
    "staff-audit-export": ("get", None, ADMIN_ONLY),
}


def test_every_data_protection_route_has_a_matrix_entry():
    names = sorted(
        name
        for route, name, _callback in _walk(get_resolver().url_patterns)
        if route.startswith(PREFIXES)
    )
    assert names == sorted(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_data_protection_permission_matrix(client, directory, name):
    method, body, expected = MATRIX[name]
    users = {role: make_user(role) for role in ROLES if role != "anonymous"}
    failures = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        response = getattr(client, method)(reverse(name), body or {})
        if response.status_code != expected[role]:
            failures.append(f"{role}: expected {expected[role]}, got {response.status_code}")
    assert not failures, f"{name}: " + "; ".join(failures)
