"""Pages of the insights app (namespace `insights`) under /w/<workspace>/ (membership
enforced by the tenant middleware; every route here must also be in
tests/test_cross_tenant.py's table)."""

from django.urls import include, path

from insights import views

app_name = "insights"

workspace_pages = [
    path("", views.dashboard, name="dashboard"),
]

urlpatterns = [path("w/<slug:workspace>/", include(workspace_pages))]
