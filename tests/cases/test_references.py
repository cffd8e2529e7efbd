"""Case references (diarienummer): configurable format, per-year sequence, no gaps on rollback."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from cases.models import Case, ReferenceCounter
from cases.services import case_submit, intake
from cases.services.references import reference_allocate
from tests.factories import make_case, request_data

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=STOCKHOLM), tick=False)
def test_default_reference_is_prefix_year_and_four_digit_number(directory):
    first, second = make_case(), make_case()

    assert first.reference == "AK-2026-0001"
    assert second.reference == "AK-2026-0002"


@time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=STOCKHOLM), tick=False)
def test_reference_prefix_is_configurable(directory, settings):
    settings.CASE_REFERENCE_PREFIX = "HB"

    assert make_case().reference == "HB-2026-0001"


@time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=STOCKHOLM), tick=False)
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{number}-{year}", "1-2026"),  # HB's older style, running number–year
        ("HS {year}/{number}", "HS 2026/1"),
        ("{prefix} {year}/{number:05d}", "AK 2026/00001"),
    ],
)
def test_reference_format_is_configurable(directory, settings, fmt, expected):
    settings.CASE_REFERENCE_FORMAT = fmt

    assert make_case().reference == expected


@time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=STOCKHOLM), tick=False)
def test_a_number_wider_than_the_format_pads_to_is_written_whole(directory):
    ReferenceCounter.objects.create(year=2026, last=12344)

    assert make_case().reference == "AK-2026-12345"


def test_sequence_starts_again_each_year_in_swedish_local_time(directory):
    with time_machine.travel(dt.datetime(2026, 12, 31, 12, 0, tzinfo=STOCKHOLM), tick=False):
        make_case()
        last_of_2026 = make_case()
    # 23:30 UTC on New Year's Eve is already 2027 in Sweden.
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        first_of_2027 = make_case()

    assert last_of_2026.reference == "AK-2026-0002"
    assert first_of_2027.reference == "AK-2027-0001"


@time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=STOCKHOLM), tick=False)
def test_rolled_back_submission_gives_its_number_back(directory, monkeypatch):
    make_case()

    def allocate_then_fail(*, case_id: int, year: int) -> str:
        reference_allocate(case_id=case_id, year=year)
        raise RuntimeError("the intake failed after its number was allocated")

    monkeypatch.setattr(intake, "reference_allocate", allocate_then_fail)
    with pytest.raises(RuntimeError, match="after its number was allocated"):
        case_submit(**request_data())
    monkeypatch.undo()

    following = make_case()

    assert following.reference == "AK-2026-0002"
    assert Case.objects.count() == 2


def test_submission_cannot_run_inside_another_transaction(directory):
    # The intake commits on its own (durable): an outer transaction would hold the reference
    # counter's lock until it ends, and could roll back a receipt already promised.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        case_submit(**request_data())

    assert Case.objects.count() == 0
