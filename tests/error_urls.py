"""The project's URLs plus views that fail on purpose, for tests that need Django's 400,
403, CSRF-failure and 500 pages as production renders them (DEBUG off). Only tests point
ROOT_URLCONF here; the production URLs have no such route."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import csrf

from portfolio.urls import urlpatterns as project_urlpatterns


def bad_request(request: HttpRequest) -> HttpResponse:
    raise BadRequest("a malformed request")


def permission_denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not yours")


def csrf_failure(request: HttpRequest) -> HttpResponse:
    return csrf.csrf_failure(request, reason="a form left open too long")


def server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug on purpose (tests/error_urls.py)")


urlpatterns = [
    path("test-errors/400/", bad_request),
    path("test-errors/403/", permission_denied),
    path("test-errors/500/", server_error),
    path("test-errors/csrf/", csrf_failure),
    *project_urlpatterns,
]
