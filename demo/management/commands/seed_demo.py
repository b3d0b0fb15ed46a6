"""Load the demo workspace. Idempotent: running it again changes nothing.

The workspace shows one engagement of each pay model with a realistic history, written
through `engagements.services` like any user's work. Dates are relative to the day of the
first run, so a fresh demo always looks current; each engagement (with its history) is
created only when it does not exist yet, so a later run adds nothing."""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Role, User, Workspace
from accounts.tenancy import workspace_scope
from demo.stripe_account import demo_stripe_account
from engagements import services as work
from engagements.models import (
    Availability,
    BlockedTime,
    Client,
    Engagement,
    PayModel,
    Proposal,
)

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
    help = "Create (or leave as is) the demo user and workspace with clients and engagements."

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
            DemoHistory(workspace, user, timezone.localdate()).create_missing()
            self.stdout.write(demo_stripe_account(workspace=workspace, actor=user))
        # The demo's money must add up like anyone's: the ledger agrees with every
        # invoice, receipt and client credit (non-zero exit otherwise).
        call_command("ledger_check", workspace=workspace.slug, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"Demo workspace ready: sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
        )


D = Decimal


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(start: dt.date) -> dt.date:
    return _month_start(start + dt.timedelta(days=31)) - dt.timedelta(days=1)


HOURLY_TASKS = [
    "Pipeline review with the data team",
    "dbt model refactor: revenue marts",
    "Warehouse cost analysis",
    "Stakeholder workshop: metrics definitions",
    "Airflow DAG hardening",
    "Code review and pairing",
]
RETAINER_TASKS = [
    "HIPAA controls review",
    "Product roadmap session",
    "Vendor security questionnaire",
    "Release sign-off",
    "Incident post-mortem facilitation",
]


class DemoHistory:
    """One engagement per pay model, each created with its history only if missing."""

    def __init__(self, workspace: Workspace, user: User, today: dt.date):
        self.workspace, self.user, self.today = workspace, user, today
        self.clients = {c.name.split()[0]: c for c in Client.objects.filter(workspace=workspace)}

    def create_missing(self) -> None:
        for name, build in [
            ("Data platform advisory", self.hourly),
            ("Grid analytics dashboard", self.fixed_fee),
            ("Product & compliance retainer", self.retainer),
            ("Launch growth bounties", self.bounty),
            ("Donor platform revenue share", self.revenue_share),
        ]:
            if not Engagement.objects.filter(workspace=self.workspace, name=name).exists():
                build(name)
        self.capacity()
        self.proposal()
        self.invoicing()

    def _log(self, engagement: Engagement, day: dt.date, hours: Decimal, note: str) -> None:
        if day < self.today:  # history only: nothing logged ahead of today
            work.time_entry_save(
                engagement=engagement,
                actor=self.user,
                date=day,
                minutes=int(hours * 60),
                description=note,
                billable=True,
            )

    def hourly(self, name: str) -> None:
        """$150/h capped at 15 h a week, ten weeks of time; week 7 ran over the cap."""
        start = _monday(self.today) - dt.timedelta(weeks=10)
        engagement = work.engagement_create(
            workspace=self.workspace,
            actor=self.user,
            client=self.clients["Northwind"],
            name=name,
            pay_model=PayModel.HOURLY,
            description="Modernising Northwind's analytics stack: dbt, Airflow, cost control.",
            start_date=start,
            hourly_rate=D("150"),
            weekly_hour_cap=D("15"),
        )
        usual = [(0, D("3")), (1, D("2.5")), (3, D("4")), (4, D("2"))]  # 11.5 h
        busy = [(0, D("4")), (1, D("4")), (2, D("3")), (3, D("4")), (4, D("1.5"))]  # 16.5 h
        for week in range(11):
            for n, (weekday, hours) in enumerate(busy if week == 6 else usual):
                day = start + dt.timedelta(weeks=week, days=weekday)
                self._log(engagement, day, hours, HOURLY_TASKS[(week + n) % len(HOURLY_TASKS)])
        work.expense_save(
            engagement=engagement,
            actor=self.user,
            date=start + dt.timedelta(weeks=6, days=1),
            amount=D("412.80"),
            category="Travel",
            description="Flight to San Francisco for the metrics workshop",
            rebillable=True,
            markup_percent=D("10"),
        )

    def fixed_fee(self, name: str) -> None:
        """EUR, three milestones: one accepted, one delivered, one pending."""
        start = _monday(self.today) - dt.timedelta(weeks=8)
        engagement = work.engagement_create(
            workspace=self.workspace,
            actor=self.user,
            client=self.clients["Helios"],
            name=name,
            pay_model=PayModel.FIXED_FEE,
            description="A dashboard of grid load and solar output for the operations team.",
            start_date=start,
            estimated_hours_per_week=D("8"),
        )
        plan = [
            ("Discovery and data audit", D("6000"), 2, "Data sources listed and assessed."),
            ("Dashboard MVP", D("12000"), 7, "Five agreed views live on staging."),
            ("Handover and training", D("4000"), 11, "Two training sessions, runbook."),
        ]
        discovery, mvp, _handover = (
            work.milestone_save(
                engagement=engagement,
                actor=self.user,
                title=title,
                amount=amount,
                due_date=start + dt.timedelta(weeks=weeks),
                acceptance_criteria=criteria,
            )
            for title, amount, weeks, criteria in plan
        )
        work.milestone_deliver(
            milestone=discovery, actor=self.user, on=start + dt.timedelta(weeks=2)
        )
        work.milestone_accept(
            milestone=discovery,
            actor=self.user,
            on=start + dt.timedelta(weeks=2, days=3),
            on_word_of="Jonas Keller",
        )
        work.milestone_deliver(milestone=mvp, actor=self.user, on=self.today - dt.timedelta(days=4))
        work.expense_save(
            engagement=engagement,
            actor=self.user,
            date=start + dt.timedelta(days=3),
            amount=D("89.00"),
            category="Software",
            description="BI tool licence, one month",
            rebillable=True,
            markup_percent=D("0"),
        )

    def retainer(self, name: str) -> None:
        """$4,000 a month for 20 h, $175/h over; unused hours roll over (at most 10 h,
        for 2 periods). Three closed months and this one; the second ran over."""
        start = _month_start(self.today, 3)
        engagement = work.engagement_create(
            workspace=self.workspace,
            actor=self.user,
            client=self.clients["Bluebird"],
            name=name,
            pay_model=PayModel.RETAINER,
            description="Fractional product and compliance lead.",
            start_date=start,
            retainer_fee=D("4000"),
            retainer_included_hours=D("20"),
            retainer_overage_rate=D("175"),
            rollover_cap_hours=D("10"),
            rollover_expiry_months=2,
            billing_day=1,
            benefits_contribution_percent=D("3"),
        )
        for months_back, total in [(3, D("16")), (2, D("26")), (1, D("18")), (0, D("8"))]:
            day, left, n = _month_start(self.today, months_back), total, 0
            while left > 0:
                day += dt.timedelta(days=1)
                if day.weekday() < 4:  # Monday to Thursday
                    hours = min(left, D("2.5"))
                    self._log(engagement, day, hours, RETAINER_TASKS[n % len(RETAINER_TASKS)])
                    left, n = left - hours, n + 1
        work.expense_save(
            engagement=engagement,
            actor=self.user,
            date=_month_start(self.today, 2) + dt.timedelta(days=9),
            amount=D("150.00"),
            category="Training",
            description="HIPAA privacy officer course",
            rebillable=False,
        )

    def bounty(self, name: str) -> None:
        """JPY: one outcome accepted, one open."""
        engagement = work.engagement_create(
            workspace=self.workspace,
            actor=self.user,
            client=self.clients["Kumo"],
            name=name,
            pay_model=PayModel.BOUNTY,
            description="Fees owed when the launch reaches named outcomes.",
            start_date=self.today - dt.timedelta(weeks=9),
            estimated_hours_per_week=D("4"),
        )
        wishlists = work.outcome_save(
            engagement=engagement,
            actor=self.user,
            description="50,000 Steam wishlists before the launch date",
            fee=D("600000"),
        )
        work.outcome_save(
            engagement=engagement,
            actor=self.user,
            description="Launch week: 80 % or more positive Steam reviews",
            fee=D("900000"),
        )
        work.outcome_accept(
            outcome=wishlists,
            actor=self.user,
            on=self.today - dt.timedelta(weeks=3),
            evidence_note="Steamworks dashboard export: 52,310 wishlists (confirmed by Aoi).",
        )

    def revenue_share(self, name: str) -> None:
        """10 % of monthly revenue, at least $500 and at most $5,000 a month; the three
        reports show the floor, a plain share and the cap."""
        engagement = work.engagement_create(
            workspace=self.workspace,
            actor=self.user,
            client=self.clients["Open"],
            name=name,
            pay_model=PayModel.REVENUE_SHARE,
            description="Built and runs the online donation platform for a share of it.",
            start_date=_month_start(self.today, 4),
            revenue_share_percent=D("10"),
            revenue_share_floor=D("500"),
            revenue_share_cap=D("5000"),
            revenue_period="monthly",
            revenue_basis="Online donations, net of refunds and card processing fees.",
            estimated_hours_per_week=D("3"),
        )
        for months_back, revenue in [(3, D("3800")), (2, D("12400")), (1, D("61000"))]:
            start = _month_start(self.today, months_back)
            end = _month_end(start)
            work.revenue_report_save(
                engagement=engagement,
                actor=self.user,
                period_start=start,
                period_end=end,
                revenue=revenue,
                reported_by="Sam Okafor",
                reported_at=min(end + dt.timedelta(days=5), self.today),
            )

    def capacity(self) -> None:
        start = _monday(self.today) - dt.timedelta(weeks=16)
        if not Availability.objects.filter(user=self.user).exists():
            work.availability_set(
                workspace=self.workspace,
                user=self.user,
                actor=self.user,
                effective_from=start,
                # 40 h a week, 36 h after Wednesday's caregiving: the active work fits
                # (about 34.6 h), the open proposal would not — the page shows both states.
                hours={},
            )
        title = "School pickup and care"
        if not BlockedTime.objects.filter(user=self.user, title=title).exists():
            work.blocked_time_save(
                workspace=self.workspace,
                user=self.user,
                actor=self.user,
                title=title,
                kind=BlockedTime.Kind.CAREGIVING,
                start_date=start,
                recurring=True,
                weekdays=[2],  # Wednesday afternoons
                hours_per_day=D("4"),
            )

    def proposal(self) -> None:
        title = "Forecasting pilot"
        if Proposal.objects.filter(title=title).exists():
            return
        proposal = work.proposal_create(
            workspace=self.workspace,
            actor=self.user,
            client=self.clients["Northwind"],
            title=title,
            scope=(
                "A six-week pilot forecasting weekly demand per region.\n"
                "Delivers: a tested model, a dashboard view and a handover session.\n"
                "Not included: production deployment."
            ),
            valid_until=self.today + dt.timedelta(days=21),
            pay_model=PayModel.HOURLY,
            hourly_rate=D("165"),
            estimated_hours_per_week=D("6"),
            start_date=self.today + dt.timedelta(days=14),
        )
        work.proposal_send(proposal=proposal, actor=self.user)

    def invoicing(self) -> None:
        """Invoicing set-up and a few invoices in every state, made by the services from
        the history above: paid, partly paid, overdue and a draft; reminders and a late
        fee policy; a monthly recurring schedule for the retainer. Once only."""
        from invoicing import services as billing
        from invoicing.models import Invoice, LateFeePolicy, ReminderRule, TaxRate

        ws, me = self.workspace, self.user
        if not ws.payment_instructions:
            ws.legal_name = "Morgan Consulting LLC"
            ws.billing_address = "225 Franklin St, Suite 2600\nBoston, MA 02110"
            ws.tax_id = "EIN 84-1234567"
            ws.payment_instructions = (
                "ACH or wire to Morgan Consulting LLC\n"
                "Bank: First Harbor Bank · Routing 011000138 · Account 004512889"
            )
            ws.save()
        if Invoice.objects.filter(workspace=ws).exists():
            return
        TaxRate.objects.create(workspace=ws, name="DE VAT reverse charge", percent=D("0"))
        for days in (-3, 0, 7, 21):
            ReminderRule.objects.get_or_create(workspace=ws, days_from_due=days)
        LateFeePolicy.objects.get_or_create(
            workspace=ws,
            defaults={"kind": "interest", "annual_interest_percent": D("8"), "grace_days": 5},
        )
        billing.exchange_rate_save(
            workspace=ws,
            actor=me,
            currency="EUR",
            date=self.today - dt.timedelta(days=90),
            rate=D("1.08"),
        )
        billing.exchange_rate_save(
            workspace=ws,
            actor=me,
            currency="JPY",
            date=self.today - dt.timedelta(days=90),
            rate=D("0.0066"),
        )
        engagements = {e.name: e for e in Engagement.objects.filter(workspace=ws)}

        def from_work(name: str, *, as_of: dt.date) -> Invoice:
            engagement = engagements[name]
            invoice = billing.invoice_create_draft(workspace=ws, actor=me, client=engagement.client)
            billing.invoice_add_unbilled(
                invoice=invoice, actor=me, engagement=engagement, as_of=as_of
            )
            return invoice

        # Hourly: the first month of time, invoiced and paid.
        first = from_work("Data platform advisory", as_of=self.today - dt.timedelta(days=42))
        first = billing.invoice_finalize(
            invoice=first, actor=me, issue_date=self.today - dt.timedelta(days=41)
        )
        # Paid rounded up: the rest is the client's credit, shown on its next invoice.
        billing.receipt_record(
            invoice=first,
            actor=me,
            amount=first.total + D("150"),
            received_on=self.today - dt.timedelta(days=20),
            method="bank_transfer",
            reference="ACH 88120",
        )
        # Fixed fee: the accepted milestone, invoiced in EUR, half paid.
        helios = from_work("Grid analytics dashboard", as_of=self.today)
        helios = billing.invoice_finalize(
            invoice=helios, actor=me, issue_date=self.today - dt.timedelta(days=10)
        )
        billing.receipt_record(
            invoice=helios,
            actor=me,
            amount=(helios.total / 2).quantize(D("0.01")),
            received_on=self.today - dt.timedelta(days=3),
            method="bank_transfer",
        )
        # Bounty: the accepted outcome, overdue.
        kumo = from_work("Launch growth bounties", as_of=self.today)
        billing.invoice_finalize(
            invoice=kumo, actor=me, issue_date=self.today - dt.timedelta(days=75)
        )
        # Retainer: what is unbilled now, left as a draft to review.
        from_work("Product & compliance retainer", as_of=self.today)
