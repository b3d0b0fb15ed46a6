import datetime as dt
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django_scopes import scopes_disabled

from accounts.models import Invitation, Membership, Role, User, Workspace
from core.tokens import hash_token
from engagements.models import (
    Availability,
    BlockedTime,
    Client,
    Contact,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    Proposal,
    RevenueReport,
    TimeEntry,
)


class ScopeFreeFactory(factory.django.DjangoModelFactory):
    """Test data is set up across tenants on purpose, outside any request scope."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Studio {n}")
    slug = factory.Sequence(lambda n: f"studio-{n}")
    country = "US"
    base_currency = "USD"


class MembershipFactory(ScopeFreeFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class InvitationFactory(ScopeFreeFactory):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    token_hash = factory.Sequence(lambda n: hash_token(f"token-{n}"))
    role = Role.MEMBER


class ClientFactory(ScopeFreeFactory):
    class Meta:
        model = Client

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    email = factory.Sequence(lambda n: f"billing{n}@client.example")
    currency = "USD"


class ContactFactory(ScopeFreeFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    workspace = factory.SelfAttribute("client.workspace")
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")


class EngagementFactory(ScopeFreeFactory):
    """An active hourly engagement; pass pay_model and its terms for the others."""

    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientFactory)
    workspace = factory.SelfAttribute("client.workspace")
    name = factory.Sequence(lambda n: f"Engagement {n}")
    pay_model = PayModel.HOURLY
    hourly_rate = Decimal("100")
    currency = factory.SelfAttribute("client.currency")
    start_date = dt.date(2025, 1, 1)


class RetainerEngagementFactory(EngagementFactory):
    pay_model = PayModel.RETAINER
    hourly_rate = None
    retainer_fee = Decimal("2000")
    retainer_included_hours = Decimal("20")
    retainer_overage_rate = Decimal("120")
    billing_day = 1


class TimeEntryFactory(ScopeFreeFactory):
    class Meta:
        model = TimeEntry

    engagement = factory.SubFactory(EngagementFactory)
    workspace = factory.SelfAttribute("engagement.workspace")
    date = dt.date(2025, 1, 6)
    minutes = 90
    description = "Work"


class MilestoneFactory(ScopeFreeFactory):
    class Meta:
        model = Milestone

    engagement = factory.SubFactory(EngagementFactory, pay_model=PayModel.FIXED_FEE)
    workspace = factory.SelfAttribute("engagement.workspace")
    title = factory.Sequence(lambda n: f"Milestone {n}")
    amount = Decimal("1000")


class OutcomeFactory(ScopeFreeFactory):
    class Meta:
        model = Outcome

    engagement = factory.SubFactory(EngagementFactory, pay_model=PayModel.BOUNTY)
    workspace = factory.SelfAttribute("engagement.workspace")
    description = factory.Sequence(lambda n: f"Outcome {n}")
    fee = Decimal("5000")


class RevenueReportFactory(ScopeFreeFactory):
    class Meta:
        model = RevenueReport

    engagement = factory.SubFactory(
        EngagementFactory,
        pay_model=PayModel.REVENUE_SHARE,
        hourly_rate=None,
        revenue_share_percent=Decimal("10"),
        revenue_period="monthly",
    )
    workspace = factory.SelfAttribute("engagement.workspace")
    period_start = dt.date(2025, 1, 1)
    period_end = dt.date(2025, 1, 31)
    revenue = Decimal("10000")
    reported_by = "Finance"
    reported_at = dt.date(2025, 2, 3)


class ExpenseFactory(ScopeFreeFactory):
    class Meta:
        model = Expense

    engagement = factory.SubFactory(EngagementFactory)
    workspace = factory.SelfAttribute("engagement.workspace")
    date = dt.date(2025, 1, 10)
    amount = Decimal("42.50")
    category = "Travel"


class ProposalFactory(ScopeFreeFactory):
    class Meta:
        model = Proposal

    engagement = factory.SubFactory(EngagementFactory, status="proposed")
    workspace = factory.SelfAttribute("engagement.workspace")
    title = factory.Sequence(lambda n: f"Proposal {n}")
    scope = "Discovery and a plan."


class AvailabilityFactory(ScopeFreeFactory):
    class Meta:
        model = Availability

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    effective_from = dt.date(2025, 1, 6)


class BlockedTimeFactory(ScopeFreeFactory):
    class Meta:
        model = BlockedTime

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    title = "School run"
    kind = BlockedTime.Kind.CAREGIVING
    start_date = dt.date(2025, 1, 6)
    recurring = True
    weekdays = factory.LazyFunction(lambda: [0, 2, 4])
    hours_per_day = Decimal("1.5")
