"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis).

In-process over WSGI (no server), on the test database, as an administrator so every operation
is reachable, plus one anonymous pass. Checks: no 5xx, every response (status code, headers,
body) documented in the schema and valid against it, and schema-violating input rejected
with a 4xx. Examples are bounded so the run stays well under two minutes.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from config.wsgi import application

MAX_EXAMPLES = 25
# A schema-valid request may still be a 400: "municipality 0000 does not exist" or "a meeting
# cannot be in the future" are rules a schema cannot state. Everything else is checked,
# including that schema-*violating* input is rejected.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Django closes the database connection after each WSGI request; that would end the test
    transaction. Django's own test client disconnects the same handlers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _generated_schema() -> dict:
    """The schema /api/schema/?lang=en serves to staff, generated in-process: the endpoint
    needs a signed-in user, and there is no database at collection time."""
    with translation.override("en"):
        generated = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


# Loaded at collection: generating the schema needs no database. (schemathesis' lazy
# `from_fixture` loader does not work with pytest 9.)
schema = schemathesis.openapi.from_dict(_generated_schema())
schema.app = application  # requests go to the WSGI application in-process, as from_wsgi does
schema.location = "/api/schema/"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,  # no .hypothesis/ folder in the work tree
)
def test_api_conforms_to_its_schema_as_administrator(case, world):
    cache.clear()  # the submission throttle must not turn fuzzing into 429s
    token = world.tokens["administrator"]
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED)


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,  # no .hypothesis/ folder in the work tree
)
def test_api_conforms_to_its_schema_anonymously(case, world):
    cache.clear()
    case.call_and_validate(excluded_checks=EXCLUDED)
