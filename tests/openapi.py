"""Answers checked against the served OpenAPI schema: the schema is generated once per test
session and turned into JSON Schema (OpenAPI 3.0's `nullable` becomes a null type), and a
list's page must match its documented page and every row carry exactly the documented
fields."""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator


@functools.cache
def served_schema() -> dict[str, Any]:
    from core.api.schema import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if "type" in node:
            node["type"] = [node["type"], "null"]
        elif "enum" not in node:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _components() -> dict[str, Any]:
    return _json_schema(served_schema()["components"])


def check_list_page(path: str, body: dict[str, Any]) -> None:
    """`body` (a GET of the list at `path`, as the schema names it) is what the schema
    says: the page's shape, each row's types, and each row's fields, no more, no fewer."""
    operation = served_schema()["paths"][path]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({"$ref": ref, "components": _components()})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    page = _components()["schemas"][ref.rsplit("/", 1)[1]]
    row_ref = page["properties"]["results"]["items"]["$ref"]
    documented = set(_components()["schemas"][row_ref.rsplit("/", 1)[1]]["properties"])
    for row in body["results"]:
        assert set(row) == documented, set(row) ^ documented
