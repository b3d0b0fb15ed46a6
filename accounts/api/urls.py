"""API routes of the accounts app (namespace `accounts_api`) under /api/v1/: tokens, the
signed-in user, their workspaces, and each workspace's members and invitations. Every
workspace route must also be in tests/test_cross_tenant.py's WORKSPACE_API table."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts.api import views

app_name = "accounts_api"

account_router = SimpleRouter()
account_router.register("workspaces", views.WorkspaceApiViewSet, basename="workspace")
account_router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token")

# Owned by a workspace: /api/v1/workspaces/<workspace>/<things>/
workspace_router = SimpleRouter()
workspace_router.register("members", views.MembershipViewSet, basename="membership")
workspace_router.register("invitations", views.InvitationViewSet, basename="invitation")

urlpatterns = [
    path("auth/token/", views.TokenCreateView.as_view(), name="token-create"),
    path("me/", views.MeView.as_view(), name="me"),
    path("workspaces/<slug:workspace>/", include(workspace_router.urls)),
    *account_router.urls,
]
