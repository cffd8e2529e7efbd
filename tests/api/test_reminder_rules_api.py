"""Administrators change the reminder rules through the API; the next case follows them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from tests.factories import make_case
from workflows.models import ReminderRule

MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def rule_url(state: str) -> str:
    rule = ReminderRule.objects.get(kind="waiting", state=state)
    return f"/api/v1/reminder-rules/{rule.pk}/"


def test_administrator_changes_a_rule_and_new_cases_follow_it(world):
    response = world.client("administrator").patch(
        rule_url("received"), {"after_working_days": 5}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["after_working_days"] == 5
    with time_machine.travel(MONDAY, tick=False):
        case = make_case()
    case.refresh_from_db()
    assert case.next_reminder_at == MONDAY + dt.timedelta(days=7)  # five working days


def test_coordinator_reads_the_rules_but_cannot_change_them(world):
    client = world.client("coordinator")
    rules = client.get("/api/v1/reminder-rules/").json()
    assert {r["state"] for r in rules if r["kind"] == "waiting"} == {
        "received",
        "contact_assigned",
        "meeting_held",
        "workshop",
        "project",
    }
    response = client.patch(rule_url("received"), {"after_working_days": 9}, format="json")
    assert response.status_code == 403
    assert ReminderRule.objects.get(kind="waiting", state="received").after_working_days == 2


def test_a_rule_cannot_be_moved_to_another_state_or_given_negative_days(world):
    client = world.client("administrator")
    client.patch(rule_url("received"), {"state": "project"}, format="json")
    assert ReminderRule.objects.filter(kind="waiting", state="received").exists()
    response = client.patch(rule_url("received"), {"after_working_days": -1}, format="json")
    assert response.status_code == 400
    assert "after_working_days" in response.json()["error"]["fields"]
