"""Typed service inputs: how a keyword-only service tells "not given" from a value.

A partial update (a PATCH, a form that edits some fields) passes only what changed; the
service's other keywords default to `UNSET`, so it leaves those fields as they are, while
`None` stays a value that clears a nullable field."""

from __future__ import annotations

import enum
from typing import Any, Final


class Unset(enum.Enum):
    """A keyword the caller did not give: an update leaves that field as it is, a create
    takes the model's default. (None is a value: it clears a nullable field.)"""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


def given(**values: Any) -> dict[str, Any]:
    """The keywords a caller gave, by field name."""
    return {name: value for name, value in values.items() if value is not UNSET}
