"""The project's URLs: each app's pages and API under its own namespace
(`invoicing:invoice_detail`, `engagements_api:client-list`), plus the project-level pages
(landing, health, API schema and docs, admin)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import landing
from portfolio.views import healthz

# The API's order matches the schema's: accounts first, then each app by layer.
api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("engagements.api.urls")),
    path("", include("invoicing.api.urls")),
]

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("insights.urls")),
    path("", include("engagements.urls")),
    path("", include("invoicing.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
]

handler404 = "portfolio.views.not_found"

# Uploaded files (receipts) are never served as public media, not even in development:
# they are read through views that check the workspace (engagements.views.records.expense_receipt).
