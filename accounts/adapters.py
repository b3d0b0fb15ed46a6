from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from core.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # "home" sends the user to their last workspace, or to onboarding if they have none.
        return reverse("accounts:home")

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:workspace_create")

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own reading of X-Forwarded-For raises (a 500) on a header shorter than
        # the proxy count; every limit here keys on one rule instead.
        return client_address(request)
