"""The API docs read as documentation: every operation has a summary (its heading, not
an operation id like `auth_token_create`) and a description, and no two summaries are
the same (issue #10); every list documents its cursor pages (issue #12)."""

import json
from collections import Counter

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def operations(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(path))
    with open(path) as served:
        schema = json.load(served)
    return [
        (method.upper(), route, operation, schema)
        for route, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "patch", "put", "delete")
    ]


def test_every_operation_has_a_summary_and_a_description(operations):
    missing = [f"{m} {r}" for m, r, op, _ in operations if not op.get("summary")]
    assert not missing
    undescribed = [f"{m} {r}" for m, r, op, _ in operations if not op.get("description")]
    assert not undescribed


def test_no_two_operations_share_a_summary(operations):
    counts = Counter(op["summary"] for _, _, op, _ in operations)
    assert [summary for summary, n in counts.items() if n > 1] == []


def test_every_list_documents_cursor_pages(operations):
    """Lists page by cursor (core.api.pagination): every paginated answer is documented
    as {next, previous, results}, with `cursor` and `page_size` and no page number."""
    lists = 0
    for method, route, operation, schema in operations:
        names = {p["name"] for p in operation.get("parameters", [])}
        if method != "GET" or "cursor" not in names:
            assert "page" not in names, route
            continue
        lists += 1
        assert "page_size" in names, route
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        page = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
        assert page["required"] == ["next", "previous", "results"], route
        assert set(page["properties"]) == {"next", "previous", "results"}, route
    assert lists >= 20
