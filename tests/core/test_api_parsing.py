"""Issue #9, item 3: a request body the parser cannot take is a 4xx in the standard error
body: over DATA_UPLOAD_MAX_MEMORY_SIZE → 413, nested past the recursion limit → 400."""

from tests.api import url


def test_a_json_body_over_the_upload_limit_is_413(api_as, personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    response = api_as(personas.bob).generic(
        "POST", url("clients"), body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["type"] == "client_error"


def test_a_json_body_nested_100000_deep_is_400(api_as, personas):
    response = api_as(personas.bob).generic(
        "POST", url("clients"), "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
