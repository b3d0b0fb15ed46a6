from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from core.ratelimit import client_address

PRODUCT_NAME = "Portfolio"
# allauth's messages on confirming an address, which also signs the person in: the
# confirmation says enough, so the sign-in message is not stacked under it.
CONFIRMED = "account/messages/email_confirmed.txt"
SIGNED_IN = "account/messages/logged_in.txt"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The product and its public address, never the host the request came in on
        # (allauth's default greets "Hello from 127.0.0.1:8000!").
        context = {**context, "product_name": PRODUCT_NAME, "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if message_template == CONFIRMED:
            request._address_confirmed = True  # type: ignore[attr-defined]
        elif message_template == SIGNED_IN and getattr(request, "_address_confirmed", False):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # "home" sends the user to their last workspace, or to onboarding if they have none.
        return reverse("accounts:home")

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:workspace_create")

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own reading of X-Forwarded-For raises (a 500) on a header shorter than
        # the proxy count; every limit here keys on one rule instead.
        return client_address(request)
