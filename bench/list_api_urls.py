"""bench.list_api's URLs: the project's, plus the floor view under the API's tenant prefix
so the tenant middleware does for it what it does for the API."""

from django.urls import include, path

from bench.list_api import FLOOR, floor_view

urlpatterns = [
    path(f"api/v1/workspaces/<slug:workspace>/{FLOOR}/", floor_view),
    path("", include("portfolio.urls")),
]
