"""The project's URLs: each app's pages and API under its own namespace
(`invoicing:invoice_detail`, `engagements_api:client-list`), plus the project-level pages
(landing, health, API schema and docs, admin)."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts.views import landing
from portfolio.api_docs import SchemaView
from portfolio.views import healthz

# The API's order matches the schema's: accounts first, then each app by layer.
api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("engagements.api.urls")),
    path("", include("invoicing.api.urls")),
    path("", include("payments.api.urls")),
]

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("insights.urls")),
    path("", include("engagements.urls")),
    path("", include("invoicing.urls")),
    path("", include("payments.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's initialising script from this same URL
    # (?script), so the page needs no inline script under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # ReDoc injects <style> elements as its bundle loads, before it could be given the
    # nonce, and runs its search in a Worker made from a blob: URL; both are allowed on
    # this page only (templates/drf_spectacular/redoc.html). Its hard-coded "API docs by
    # Redocly" logo from cdn.redoc.ly stays blocked: nothing is fetched from a CDN.
    path(
        "api/redoc/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
    path("admin/", admin.site.urls),
]

handler404 = "portfolio.views.not_found"
handler500 = "portfolio.views.server_error"

# Uploaded files (receipts) are never served as public media, not even in development:
# they are read through views that check the workspace (engagements.views.records.expense_receipt).
