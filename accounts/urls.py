"""Pages of the accounts app (namespace `accounts`): the signed-in person's own pages
(home, new workspace, invitation, profile, API tokens) and each workspace's settings and
members under /w/<workspace>/ (membership enforced by the tenant middleware; every route
there must also be in tests/test_cross_tenant.py's table)."""

from django.urls import include, path

from accounts import views

app_name = "accounts"

workspace_pages = [
    path("settings/", views.workspace_settings, name="workspace_settings"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.membership_change, name="membership_change"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]

urlpatterns = [
    path("home/", views.home, name="home"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("w/<slug:workspace>/", include(workspace_pages)),
]
