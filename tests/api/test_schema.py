"""The OpenAPI schema is complete and matches the code.

docs/openapi.yaml is the committed contract. When the API changes on purpose, regenerate it:
    .venv/bin/python manage.py spectacular --lang en --file docs/openapi.yaml --validate
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.urls import get_resolver
from django.utils.translation import override
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

from tests.api.test_permission_matrix import _walk, api_routes

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def _generate() -> dict:
    with override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        # Through the renderer and back, so lazy strings and YAML quirks match the file.
        return yaml.safe_load(OpenApiYamlRenderer().render(schema, renderer_context={}))


def test_committed_schema_matches_the_code():
    generated = _generate()
    validate_schema(generated)
    committed = yaml.safe_load(COMMITTED.read_text())
    assert generated == committed, (
        "docs/openapi.yaml is out of date: run "
        "`manage.py spectacular --lang en --file docs/openapi.yaml --validate`"
    )


def test_every_api_route_and_method_is_in_the_schema():
    paths = _generate()["paths"]
    names = {name: route for route, name, _cb in _walk(get_resolver().url_patterns)}
    for name, method in api_routes():
        route = names[name]
        if not route.startswith("api/v1/"):
            continue  # the schema and its docs page are not part of the API they describe
        # Django route -> OpenAPI path: <str:x> and (?P<x>...) both become {x}.
        path = "/" + re.sub(
            r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", lambda m: "{%s}" % (m[1] or m[2]), route
        )
        path = path.replace("^", "").replace("$", "")
        assert path in paths, path
        operation = paths[path][method.lower()]
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (path, method, code)


def test_schema_and_docs_are_served_without_a_cdn(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    for line in html.splitlines():
        if "<script" in line and "src=" in line:
            assert 'src="/' in line or "src='/" in line, line


def test_schema_and_docs_are_refused_to_anonymous_callers_in_the_error_shape(client, db):
    for url in ("/api/schema/", "/api/docs/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
