"""Pages of the engagements app, mounted under /w/<workspace>/ (membership is enforced by
WorkspaceMiddleware; every route here must also be in tests/test_tenancy.py's table)."""

from django.urls import path

from engagements import views

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
]
