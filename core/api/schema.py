from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled
from drf_spectacular import generators


class SchemaGenerator(generators.SchemaGenerator):
    """Building the OpenAPI schema inspects every model's manager with no request, so it
    runs outside any tenant scope: it reads model metadata, never rows."""

    def get_schema(self, request: Any = None, public: bool = False) -> Any:
        with scopes_disabled():
            return super().get_schema(request=request, public=public)  # type: ignore[no-untyped-call]
