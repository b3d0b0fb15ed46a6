from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # "home" sends the user to their last workspace, or to onboarding if they have none.
        return reverse("accounts:home")

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:workspace_create")
