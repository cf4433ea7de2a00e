"""docs/openapi.yaml describes exactly the routes the embedded app serves, and the request bodies the core validates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rehearse.app.diagnostics import DiagnosticsUpload
from rehearse.app.sessions import CreateSessionRequest

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def described() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method in METHODS}


def test_every_route_of_the_app_is_described_and_nothing_else(embedded):
    served = {
        (route.method, resource.canonical)
        for resource in embedded.app.router.resources()
        if resource.canonical != "/{name}"  # the page's files
        for route in resource
        if route.method != "HEAD"  # aiohttp's automatic twin of every GET
    }
    assert served - described() == set(), "routes missing from docs/openapi.yaml"
    assert described() - served == set(), "docs/openapi.yaml describes routes the app does not serve"


@pytest.mark.parametrize(("schema", "model"), [("CreateSessionRequest", CreateSessionRequest), ("DiagnosticsUpload", DiagnosticsUpload)])
def test_request_schemas_name_the_models_fields(schema, model):
    assert set(SPEC["components"]["schemas"][schema]["properties"]) == set(model.model_fields)


def test_every_reference_resolves():
    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from ([value] if key == "$ref" else refs(value))
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = list(refs(SPEC))
    assert found
    for ref in found:
        node = SPEC
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref
