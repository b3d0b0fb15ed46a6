"""Helpers for API tests of workspace A ("alice-studio", see tests/conftest.py)."""

BASE = "/api/v1/workspaces/alice-studio"


def url(resource: str, pk: int | None = None, action: str | None = None) -> str:
    path = f"{BASE}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    if action:
        path += f"{action}/"
    return path


def attrs(response) -> set[str]:
    """The fields a 400 names (drf-standardized-errors body)."""
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert body["type"] == "validation_error"
    return {error["attr"] for error in body["errors"]}
