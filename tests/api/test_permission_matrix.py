"""Every /api/ endpoint x every role -> expected status, generated from the URL configuration.

The routes come from Django's resolver, not from this file: an endpoint added without an entry
in MATRIX fails `test_every_api_route_has_a_matrix_entry`. Each role runs in its own rolled-back
savepoint, so one role's write never changes what the next one sees.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.actors import Actor
from tests.activities.conftest import make_activity
from tests.api.conftest import ROLES
from workflows.models import ReminderRule

ANON = {"anonymous": 401, "other_token_holder": 401, "liaison": 401}


def _staff(contact_a, contact_b, coordinator, registrar, administrator):
    return {
        **ANON,
        "contact_a": contact_a,
        "contact_b": contact_b,
        "coordinator": coordinator,
        "registrar": registrar,
        "administrator": administrator,
    }


def _everyone(status):
    return dict.fromkeys(ROLES, status)


READ_CASE = _staff(404, 200, 200, 200, 200)
ADMIN_WRITE = {**ANON, **dict.fromkeys(("contact_a", "contact_b", "coordinator", "registrar"), 403)}


def _today() -> str:
    return dt.date.today().isoformat()


SUBMISSION = {
    "municipality": "1490",
    "requester_name": "Eva Ek",
    "requester_email": "eva@boras.example",
    "requester_role": "Miljöstrateg",
    "title": "Matsvinn",
    "description": "Vi vill minska matsvinnet.",
    "areas": ["resursatervinning"],
    "consent": True,
}

# url name -> {method: {"body": ..., "expect": {role: status}}}
MATRIX = {
    "api:request-create": {"POST": {"body": SUBMISSION, "expect": _everyone(201)}},
    # The token in the path is the credential: the other case's holder reads *their* case;
    # everyone else holds no token, so nothing matches.
    "api:track": {"GET": {"expect": {**_everyone(404), "other_token_holder": 200}}},
    "api:track-withdraw": {
        "POST": {
            "body": {"reason": "Löst"},
            "expect": {**_everyone(404), "other_token_holder": 200},
        }
    },
    # The conversation through the token: read, and write while the case is open.
    "api:track-messages": {
        "GET": {"expect": {**_everyone(404), "other_token_holder": 200}},
        "POST": {
            "body": {"body": "Här är mer information."},
            "expect": {**_everyone(404), "other_token_holder": 201},
        },
    },
    "api:case-list": {"GET": {"expect": _staff(200, 200, 200, 200, 200)}},
    "api:case-detail": {"GET": {"expect": READ_CASE}},
    "api:case-events": {"GET": {"expect": READ_CASE}},
    # Only those who assign get suggestions: the assigned contact B sees the case but not these.
    "api:case-suggestions": {"GET": {"expect": _staff(404, 403, 200, 403, 200)}},
    "api:case-notes": {
        "POST": {"body": {"text": "Ringde kommunen."}, "expect": _staff(404, 201, 201, 403, 201)}
    },
    # The conversation: everyone who sees the case reads it; those who act on it write.
    "api:case-messages": {
        "GET": {"expect": READ_CASE},
        "POST": {"body": {"body": "Hej! Vi hörs."}, "expect": _staff(404, 201, 201, 403, 201)},
    },
    "api:case-attachment": {"GET": {"expect": READ_CASE}},
    "api:case-transitions": {
        "GET": {"expect": READ_CASE},
        "POST": {
            "body": lambda: {"transition": "record_meeting", "date": _today(), "notes": "Bra."},
            "expect": _staff(404, 200, 200, 403, 200),
        },
    },
}

# A case's meetings: everyone who sees the case reads them; those who act on it plan, change
# and cancel them (the case is contact B's).
MEETING = {
    "kind": "meeting",
    "starts_at": "2099-06-03T09:00",
    "ends_at": "2099-06-03T10:00",
    "place": "Tranemo kommunhus",
    "others": [{"name": "Nils Nilsson", "email": "nils@tranemo.example"}],
}
MATRIX["api:case-meetings"] = {
    "GET": {"expect": READ_CASE},
    "POST": {"body": MEETING, "expect": _staff(404, 201, 201, 403, 201)},
}
MATRIX["api:case-meeting-detail"] = {
    "GET": {"expect": READ_CASE},
    "PUT": {"body": {**MEETING, "place": "Borås"}, "expect": _staff(404, 200, 200, 403, 200)},
}
MATRIX["api:case-meeting-cancel"] = {"POST": {"expect": _staff(404, 200, 200, 403, 200)}}

# Activities: the calendar is public; an activity's participants are for coordinators.
MATRIX["api:activity-list"] = {"GET": {"expect": _everyone(200)}}
MATRIX["api:activity-detail"] = {"GET": {"expect": _everyone(200)}}
# Registering needs no account (a stale token is ignored, not a 401): each role registers once.
MATRIX["api:activity-registrations"] = {
    "GET": {"expect": _staff(403, 403, 200, 403, 200)},
    "POST": {
        "body": {
            "name": "Eva Ek",
            "email": "eva.api@boras.example",
            "role": "Miljöstrateg",
            "municipality": "1490",
            "consent": True,
        },
        "expect": _everyone(201),
    },
}
# The reports: coordinators, registrars and administrators; contact persons are refused.
for _report in ("funnel", "lead-times", "municipalities"):
    MATRIX[f"api:report-{_report}"] = {"GET": {"expect": _staff(403, 403, 200, 200, 200)}}

DIRECTORY = {
    "municipality": ("1490", {"code": "9999", "name": "Testkommun"}, {"name": "Borås stad"}),
    "area": (
        "resursatervinning",
        {"slug": "ny-omrade", "name_sv": "Nytt område"},
        {"name_en": "Recovery"},
    ),
    "form": (
        "examensarbete",
        {"slug": "ny-form", "name_sv": "Ny form", "lead_time_weeks": 2},
        {"lead_time_weeks": 10},
    ),
    "contact": (
        "johan.ek@hb.example",
        {"email": "ny@hb.example", "name": "Ny Person", "areas": ["resursatervinning"]},
        {"title": "Lektor"},
    ),
}
for _basename, (_key, _create, _update) in DIRECTORY.items():
    MATRIX[f"api:{_basename}-list"] = {
        "GET": {"expect": _everyone(200)},
        "POST": {"body": _create, "expect": {**ADMIN_WRITE, "administrator": 201}},
    }
    MATRIX[f"api:{_basename}-detail"] = {
        "GET": {"expect": _everyone(200)},
        "PATCH": {"body": _update, "expect": {**ADMIN_WRITE, "administrator": 200}},
        # PUT sends the full object: the entry as it is, with the update applied (see below).
        "PUT": {"body": _update, "expect": {**ADMIN_WRITE, "administrator": 200}},
    }
DIRECTORY_KEYS = {f"api:{b}-detail": key for b, (key, _c, _u) in DIRECTORY.items()}

# Reminder rules: staff who see every case read them; only administrators change them.
READ_RULES = _staff(403, 403, 200, 200, 200)
MATRIX["api:reminder-rule-list"] = {"GET": {"expect": READ_RULES}}
MATRIX["api:reminder-rule-detail"] = {
    "GET": {"expect": READ_RULES},
    "PATCH": {"body": {"after_working_days": 3}, "expect": {**ADMIN_WRITE, "administrator": 200}},
    "PUT": {"body": {"after_working_days": 3}, "expect": {**ADMIN_WRITE, "administrator": 200}},
}


# The OpenAPI schema and its docs page: signed-in staff only (a session or a token).
MATRIX["api:schema"] = {"GET": {"expect": _staff(200, 200, 200, 200, 200)}}
MATRIX["api:docs"] = {"GET": {"expect": _staff(200, 200, 200, 200, 200)}}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p.callback


def api_routes() -> list[tuple[str, str]]:
    """(url name, HTTP method) for every route under /api/ (the API, its schema and docs) but
    the catch-all that answers 404, from the URL configuration."""
    routes = []
    for route, name, callback in _walk(get_resolver().url_patterns):
        if not route.startswith("api/") or name == "api:not-found":
            continue
        if getattr(callback, "actions", None):  # a DRF viewset
            methods = callback.actions.keys()
        else:
            view = callback.view_class
            methods = [m for m in view.http_method_names if hasattr(view, m)]
        for method in methods:
            if method not in ("options", "head"):
                routes.append((name, method.upper()))
    return sorted(routes)


def test_every_api_route_has_a_matrix_entry():
    declared = sorted((name, m) for name, methods in MATRIX.items() for m in methods)
    assert api_routes() == declared
    for name, methods in MATRIX.items():
        for method, entry in methods.items():
            assert set(entry["expect"]) == set(ROLES), (name, method)


def _kwargs(world, name: str, role: str) -> dict:
    if name.startswith("api:track"):
        return {"token": world.tracking_token(role)}
    if name == "api:case-attachment":
        return {"reference": world.case.reference, "id": _attachment_id(world)}
    if name.startswith("api:case-meeting-"):
        return {"reference": world.case.reference, "id": _meeting_id(world)}
    if name.startswith("api:case-") and name != "api:case-list":
        return {"reference": world.case.reference}
    if name in ("api:activity-detail", "api:activity-registrations"):
        return {"id": make_activity().pk}
    if name == "api:reminder-rule-detail":
        return {"id": ReminderRule.objects.get(kind="waiting", state="received").pk}
    if name in DIRECTORY_KEYS:
        field = {"municipality": "code", "area": "slug", "form": "slug", "contact": "email"}
        return {field[name.split(":")[1].rsplit("-", 1)[0]]: DIRECTORY_KEYS[name]}
    return {}


def _meeting_id(world) -> int:
    """A planned meeting on the case under test (inside the role's rolled-back savepoint)."""
    from cases.services.meetings import meeting_plan

    return meeting_plan(
        case=world.case,
        actor=Actor.staff(world.users["coordinator"]),
        data={"starts_at": "2099-06-01T09:00", "ends_at": "2099-06-01T10:00"},
    ).pk


def _attachment_id(world) -> int:
    """A file on the case under test (made inside the role's rolled-back savepoint)."""
    from conversation.models import Channel
    from conversation.services import requester_message_add
    from tests.conversation.files import pdf_bytes, upload

    message = requester_message_add(
        case=world.case, body="Bilaga", files=[upload("a.pdf", pdf_bytes())], channel=Channel.WEB
    )
    return message.attachments.get().pk


def _body(client, url: str, name: str, method: str, entry: dict):
    body = entry.get("body")
    body = body() if callable(body) else body
    if method == "PUT":  # the full current object, changed
        current = client.get(url).json()
        body = current | body  # read-only fields in it are ignored
    return body


def _undone_afterwards() -> transaction.Atomic:
    """A savepoint per role, rolled back after its request. Marked as the test case's own
    block (what Django's TestCase does), so the services' durable transactions run inside it
    exactly as they do inside the test's transaction."""
    block = transaction.atomic()
    block._from_testcase = True
    return block


@pytest.mark.parametrize(("name", "method"), api_routes())
def test_permission_matrix(world, name, method):
    entry = MATRIX[name][method]
    failures = []
    for role in ROLES:
        with _undone_afterwards():
            client = world.client(role)
            url = reverse(name, kwargs=_kwargs(world, name, role))
            body = _body(world.client("administrator"), url, name, method, entry)
            response = getattr(client, method.lower())(url, body, format="json")
            expected = entry["expect"][role]
            if response.status_code != expected:
                failures.append(f"{role}: expected {expected}, got {response.status_code}")
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.content
            transaction.set_rollback(True)
    assert not failures, f"{method} {name}: " + "; ".join(failures)


def test_other_holder_reads_only_their_own_case_through_the_tracking_link(world):
    response = world.client("anonymous").get(
        reverse("api:track", kwargs={"token": world.other_case.token})
    )
    assert response.json()["reference"] == world.other_case.reference != world.case.reference


def test_a_tracking_token_is_not_an_api_credential(world):
    client = world.client("anonymous")
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.other_case.token}")
    response = client.get(reverse("api:case-list"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
