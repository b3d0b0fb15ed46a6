"""Headings of the API docs where the generic ones ("List clients", "Create a client",
from core.api.schema.AutoSchema) would read wrong: custom actions and one-of-a-kind
routes. A postprocessing hook (SPECTACULAR_SETTINGS), kept at the top layer because it
names every app's routes; tests/test_api_docs.py checks every operation has a summary."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

WS = "/api/v1/workspaces/{workspace}"

SUMMARIES: dict[tuple[str, str], str] = {
    ("post", "/api/v1/auth/token/"): "Create an API token from your email and password",
    ("get", "/api/v1/auth/tokens/"): "List your API tokens",
    ("delete", "/api/v1/auth/tokens/{id}/"): "Revoke an API token",
    ("get", "/api/v1/me/"): "Get your account",
    ("patch", "/api/v1/me/"): "Update your account",
    ("get", "/api/v1/workspaces/"): "List your workspaces",
    ("post", "/api/v1/workspaces/"): "Create a workspace",
    ("get", f"{WS}/"): "Get a workspace's settings",
    ("patch", f"{WS}/"): "Update a workspace's settings or logo",
    ("get", f"{WS}/availability/"): "List your weekly availability",
    ("post", f"{WS}/availability/"): "Set your weekly availability from a date",
    ("get", f"{WS}/capacity/"): "Capacity week by week",
    ("get", f"{WS}/client-credit/"): "List client credit balances",
    (
        "get",
        f"{WS}/engagements/{{id}}/retainer-statements/",
    ): "Retainer statements of an engagement",
    ("get", f"{WS}/engagements/{{id}}/unbilled/"): "Unbilled work of an engagement",
    ("post", f"{WS}/exchange-rates/import/"): "Import exchange rates from CSV",
    ("get", f"{WS}/expenses/{{id}}/receipt/"): "Download an expense's receipt",
    ("post", f"{WS}/invoices/{{id}}/add-unbilled/"): "Add unbilled work to a draft invoice",
    ("post", f"{WS}/invoices/{{id}}/apply-credit/"): "Apply client credit to an invoice",
    ("post", f"{WS}/invoices/{{id}}/unapply-credit/"): "Withdraw credit applied to an invoice",
    ("post", f"{WS}/invoices/{{id}}/credit-notes/"): "Issue a credit note against an invoice",
    ("get", f"{WS}/invoices/{{id}}/late-fee/"): "Preview an invoice's late fee",
    ("post", f"{WS}/invoices/{{id}}/late-fee/"): "Charge an invoice's late fee",
    ("post", f"{WS}/invoices/{{id}}/link/"): "Issue an invoice's client link",
    ("delete", f"{WS}/invoices/{{id}}/link/"): "Revoke an invoice's client link",
    ("post", f"{WS}/invoices/{{id}}/mark-uncollectible/"): "Write off an invoice",
    ("get", f"{WS}/invoices/{{id}}/pdf/"): "Download an invoice's PDF",
    ("post", f"{WS}/invoices/{{id}}/send/"): "Email an invoice to the client",
    ("get", f"{WS}/late-fee-policy/"): "Get the late-fee policy",
    ("post", f"{WS}/late-fee-policy/"): "Set the late-fee policy",
    ("get", f"{WS}/members/"): "List members",
    ("get", f"{WS}/members/{{id}}/"): "Get a member",
    ("patch", f"{WS}/members/{{id}}/"): "Change a member's role",
    ("delete", f"{WS}/members/{{id}}/"): "Remove a member, or leave",
    ("get", f"{WS}/payments/"): "List payments received",
    ("post", f"{WS}/payments/"): "Record a payment",
    ("get", f"{WS}/payments/{{id}}/"): "Get a payment and where it went",
    ("post", f"{WS}/payments/{{id}}/reverse/"): "Reverse a payment",
    ("post", f"{WS}/proposals/{{id}}/send/"): "Email a proposal to the client",
}


def summaries(result: Any, generator: Any, request: Any, public: bool) -> Any:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if (method, path) in SUMMARIES:
                operation["summary"] = SUMMARIES[(method, path)]
    return result


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process and version: it changes only with
    the code, and generating it takes seconds (1.6 MB, every error response of every
    operation), which Swagger UI and ReDoc would otherwise pay on every visit."""

    _generated: ClassVar[dict[str | None, dict[str, Any]]] = {}

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        if version not in self._generated:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            self._generated[version] = generator.get_schema(
                request=request, public=self.serve_public
            )
        return Response(
            data=self._generated[version],
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
