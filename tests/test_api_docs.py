"""The API docs read as documentation: every operation has a summary (its heading, not
an operation id like `auth_token_create`) and a description, and no two summaries are
the same (issue #10)."""

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
        (method.upper(), route, operation)
        for route, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "patch", "put", "delete")
    ]


def test_every_operation_has_a_summary_and_a_description(operations):
    missing = [f"{m} {r}" for m, r, op in operations if not op.get("summary")]
    assert not missing
    undescribed = [f"{m} {r}" for m, r, op in operations if not op.get("description")]
    assert not undescribed


def test_no_two_operations_share_a_summary(operations):
    counts = Counter(op["summary"] for _, _, op in operations)
    assert [summary for summary, n in counts.items() if n > 1] == []
