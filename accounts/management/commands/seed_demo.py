"""Load the demo workspace. Idempotent: running it again changes nothing."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Membership, Role, User, Workspace
from accounts.tenancy import workspace_scope
from engagements.models import Client

DEMO_EMAIL = "demo@portfolio.test"
DEMO_PASSWORD = "portfolio-demo"  # noqa: S105 - a published demo login, local only
DEMO_SLUG = "demo"

CLIENTS = [
    {
        "name": "Northwind Analytics",
        "email": "ap@northwind.example",
        "contact_name": "Dana Reyes",
        "currency": "USD",
        "country": "US",
        "payment_terms_days": 30,
        "billing_address": "500 Market St\nSan Francisco, CA 94105",
    },
    {
        "name": "Helios Energy GmbH",
        "email": "rechnung@helios.example",
        "contact_name": "Jonas Keller",
        "currency": "EUR",
        "country": "DE",
        "payment_terms_days": 14,
        "tax_id": "DE123456789",
        "billing_address": "Friedrichstraße 68\n10117 Berlin",
    },
    {
        "name": "Bluebird Health",
        "email": "finance@bluebird.example",
        "contact_name": "Priya Shah",
        "currency": "USD",
        "country": "US",
        "billing_address": "12 Beacon St\nBoston, MA 02108",
    },
    {
        "name": "Kumo Games K.K.",
        "email": "keiri@kumo.example",
        "contact_name": "Aoi Tanaka",
        "currency": "JPY",
        "country": "JP",
        "payment_terms_days": 45,
        "billing_address": "1-2-3 Shibuya\nTokyo 150-0002",
    },
    {
        "name": "Open Door Foundation",
        "email": "grants@opendoor.example",
        "contact_name": "Sam Okafor",
        "currency": "USD",
        "country": "US",
        "notes": "Non-profit; revenue-share pilot in 2027.",
    },
]


class Command(BaseCommand):
    help = "Create (or leave as is) the demo user and workspace with sample clients."

    @transaction.atomic
    def handle(self, *args, **options):
        user, created = User.objects.get_or_create(
            email=DEMO_EMAIL, defaults={"full_name": "Alex Morgan"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
        workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
        if workspace is None:
            workspace = services.workspace_create(
                user=user,
                name="Morgan Consulting",
                slug=DEMO_SLUG,
                country="US",
                base_currency="USD",
                timezone_name="America/New_York",
                invoice_prefix="MC-",
            )
        with workspace_scope(workspace):
            Membership.objects.get_or_create(
                workspace=workspace, user=user, defaults={"role": Role.OWNER}
            )
            for data in CLIENTS:
                Client.objects.get_or_create(workspace=workspace, name=data["name"], defaults=data)
        self.stdout.write(
            self.style.SUCCESS(f"Demo workspace ready: sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
        )
