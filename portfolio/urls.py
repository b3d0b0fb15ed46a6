from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from accounts import views as accounts_views
from accounts.api import views as accounts_api
from engagements import views_proposals as proposal_views
from invoicing import views_public as invoice_public_views
from portfolio.views import healthz

# --- API -----------------------------------------------------------------------------------
account_router = SimpleRouter()
account_router.register("workspaces", accounts_api.WorkspaceApiViewSet, basename="workspace")
account_router.register("auth/tokens", accounts_api.ApiTokenViewSet, basename="api-token")

# Everything owned by a workspace: /api/v1/workspaces/<workspace>/<things>/
workspace_router = SimpleRouter()
workspace_router.register("members", accounts_api.MembershipViewSet, basename="membership")
workspace_router.register("invitations", accounts_api.InvitationViewSet, basename="invitation")

api_v1 = [
    path("auth/token/", accounts_api.TokenCreateView.as_view(), name="token-create"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("workspaces/<slug:workspace>/", include(workspace_router.urls)),
    path("workspaces/<slug:workspace>/", include("engagements.api.urls")),
    path("workspaces/<slug:workspace>/", include("invoicing.api.urls")),
    *account_router.urls,
]

# --- Pages under /w/<workspace>/ (membership enforced by WorkspaceMiddleware) -------------
workspace_pages = [
    path("", accounts_views.dashboard, name="dashboard"),
    path("settings/", accounts_views.workspace_settings, name="workspace_settings"),
    path("members/", accounts_views.members, name="members"),
    path("members/<int:pk>/", accounts_views.membership_change, name="membership_change"),
    path(
        "invitations/<int:pk>/revoke/", accounts_views.invitation_revoke, name="invitation_revoke"
    ),
    path("", include("engagements.urls")),
    path("", include("invoicing.urls")),
]

urlpatterns = [
    path("", accounts_views.landing, name="landing"),
    path("home/", accounts_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("workspaces/new/", accounts_views.workspace_create, name="workspace_create"),
    path("invitations/<str:token>/", accounts_views.invitation_accept, name="invitation_accept"),
    path("p/<str:token>/", proposal_views.proposal_public, name="proposal_public"),
    path("i/<str:token>/", invoice_public_views.invoice_public, name="invoice_public"),
    path("i/<str:token>/pdf/", invoice_public_views.invoice_public_pdf, name="invoice_public_pdf"),
    path("settings/profile/", accounts_views.profile, name="profile"),
    path("settings/api-tokens/", accounts_views.api_tokens, name="api_tokens"),
    path(
        "settings/api-tokens/<int:pk>/revoke/",
        accounts_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("w/<slug:workspace>/", include(workspace_pages)),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
]

# Uploaded files (receipts) are never served as public media, not even in development:
# they are read through views that check the workspace (engagements.views.expense_receipt).
