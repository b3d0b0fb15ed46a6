# Long on purpose: every row of the engagements app in the one module Django expects (clients,
# engagements and their pauses, the five kinds of work, claims, proposals, capacity).
"""Clients, engagements under five pay models, the work they record, proposals, capacity.

Everything billable is recorded here; what is billable and not yet invoiced is answered by
one function, `engagements.billing.unbilled_items`, which the invoicing app consumes.
`BillingClaim` rows are the lock that makes each item invoiceable once only."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from accounts.tenancy import TenantModel
from core.currencies import currency_choices
from core.money import AmountField, RateField
from engagements.receipts import validate_receipt

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Client(TenantModel):
    """An organisation the professional works for and bills."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="clients"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="Where invoices are sent.")
    contact_name = models.CharField(max_length=150, blank=True)
    currency = models.CharField(max_length=3, choices=currency_choices)
    payment_terms_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty to use the workspace's terms."
    )
    billing_address = models.TextField(blank=True)
    country = CountryField(blank=True)
    tax_id = models.CharField("tax ID", max_length=50, blank=True)
    notes = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        # The client list (by name) and the dashboard's newest clients: read in order.
        indexes = [
            models.Index(fields=["workspace", "name", "id"], name="client_by_name"),
            models.Index(fields=["workspace", "-created_at", "-id"], name="client_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="client_unique_name_per_workspace",
                violation_error_message="A client with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(TenantModel):
    """A person at a client: who gets invoices, who approves work, who reports revenue."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=100, blank=True, help_text="e.g. Finance, Sponsor")
    is_billing = models.BooleanField("receives invoices", default=False)

    class Meta:
        ordering = ["-is_billing", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class PayModel(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    FIXED_FEE = "fixed_fee", "Fixed fee (milestones)"
    RETAINER = "retainer", "Monthly retainer"
    BOUNTY = "bounty", "Outcome bounty"
    REVENUE_SHARE = "revenue_share", "Revenue share"


class EngagementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class RevenuePeriod(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class Engagement(TenantModel):
    """Work for one client under one pay model. The pay model's terms are columns here,
    checked by `engagements.services.engagement_validate_terms` (each model requires its
    own and forbids none: switching models is refused once work is billed)."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="engagements"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="engagements")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    pay_model = models.CharField(max_length=16, choices=PayModel.choices)
    status = models.CharField(
        max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE
    )
    currency = models.CharField(max_length=3, choices=currency_choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # A % the client pays on top of each invoice, into the professional's benefits account.
    benefits_contribution_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    # Capacity: hours a week this engagement is expected to take, where the pay model
    # does not say (fixed fee, bounty, revenue share); hourly caps and retainers imply one.
    estimated_hours_per_week = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )

    # hourly
    hourly_rate = RateField(null=True, blank=True, validators=NON_NEGATIVE)
    weekly_hour_cap = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    # retainer: billed in advance each period starting on `billing_day`; overage in arrears
    retainer_fee = AmountField(null=True, blank=True, validators=NON_NEGATIVE)
    retainer_included_hours = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    retainer_overage_rate = RateField(null=True, blank=True, validators=NON_NEGATIVE)
    rollover_cap_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text="Most unused hours carried forward; empty or 0: no rollover.",
    )
    rollover_expiry_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Carried hours expire after this many periods."
    )
    billing_day = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="Day of the month each retainer period starts (1–28).",
    )
    # revenue share
    revenue_share_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    revenue_share_floor = AmountField(null=True, blank=True, validators=NON_NEGATIVE)
    revenue_share_cap = AmountField(null=True, blank=True, validators=NON_NEGATIVE)
    revenue_period = models.CharField(
        max_length=10, choices=RevenuePeriod.choices, blank=True, default=""
    )
    revenue_basis = models.TextField(
        blank=True, help_text="What counts as revenue: gross or net of refunds, fees, tax."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        # The engagement list, unfiltered and by status (the latter also any status lookup).
        indexes = [
            models.Index(fields=["workspace", "-start_date", "id"], name="engagement_recent"),
            models.Index(
                fields=["workspace", "status", "-start_date", "id"], name="engagement_status_recent"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="engagement_end_after_start",
                violation_error_message="The end date is before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(revenue_share_cap__isnull=True)
                | Q(revenue_share_floor__isnull=True)
                | Q(revenue_share_cap__gte=models.F("revenue_share_floor")),
                name="engagement_revshare_cap_over_floor",
                violation_error_message="The cap is below the floor.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EngagementPause(TenantModel):
    """A dated pause: from `start_date` to `end_date` (inclusive; empty while it lasts) the
    engagement runs no days. Pausing opens one, resuming closes it; pauses never overlap
    (the services check under the engagement lock, and at most one is open). What a
    retainer period owes is computed from these and the engagement's dates, never from
    its status (`engagements.active_days`, `engagements.billing`)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="pauses")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty: still paused.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="engagement_pause_end_after_start",
                violation_error_message="A pause cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(end_date__isnull=True),
                name="engagement_one_open_pause",
                violation_error_message="This engagement is already paused.",
            ),
        ]

    def __str__(self) -> str:
        return f"paused {self.start_date} – {self.end_date or '…'}"


class TimeEntry(TenantModel):
    # Indexed by time_entry_engagement_recent (engagement first), not a single-column index.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    date = models.DateField()
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    description = models.CharField(max_length=500, blank=True)
    billable = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # True while an active BillingClaim holds this row: kept by engagements.services.claims
    # in the claim's transaction, so unbilled reads use a partial index over waiting rows
    # instead of an anti-join over all history (tests/perf/test_unbilled.py).
    billed = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        ordering = ["-date", "-pk"]
        # The API list of the workspace, and an engagement's entries (also date ranges);
        # the waiting work only (the dashboard, an engagement's unbilled items).
        indexes = [
            models.Index(fields=["workspace", "-date", "-id"], name="time_entry_recent"),
            models.Index(
                fields=["engagement", "-date", "-id"], name="time_entry_engagement_recent"
            ),
            models.Index(
                fields=["workspace", "engagement", "date", "id"],
                condition=Q(billable=True, billed=False),
                name="time_entry_unbilled",
            ),
        ]
        verbose_name_plural = "time entries"

    def __str__(self) -> str:
        return f"{self.date} {self.minutes}m"


class Milestone(TenantModel):
    """A fixed-fee deliverable: pending → delivered → accepted (billable once accepted)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        ACCEPTED = "accepted", "Accepted"

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(max_length=200)
    acceptance_criteria = models.TextField(blank=True)
    amount = AmountField(validators=NON_NEGATIVE)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    delivered_at = models.DateField(null=True, blank=True)
    accepted_at = models.DateField(null=True, blank=True)
    # Recorded by the professional on the client's word: who recorded it, and whose word.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_on_word_of = models.CharField(max_length=150, blank=True)
    billed = models.BooleanField(default=False, db_default=False, editable=False)  # as TimeEntry

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["workspace", "due_date", "id"], name="milestone_by_due"),
            models.Index(
                fields=["workspace", "engagement", "accepted_at", "id"],
                condition=Q(status="accepted", billed=False),
                name="milestone_unbilled",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Outcome(TenantModel):
    """An outcome bounty: a fee owed once the named outcome is accepted."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="outcomes")
    description = models.CharField(max_length=300)
    fee = AmountField(validators=NON_NEGATIVE)
    evidence_note = models.TextField(blank=True)
    accepted_at = models.DateField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    billed = models.BooleanField(default=False, db_default=False, editable=False)  # as TimeEntry

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["workspace", "id"], name="outcome_in_order"),
            models.Index(
                fields=["workspace", "engagement", "accepted_at", "id"],
                condition=Q(accepted_at__isnull=False, billed=False),
                name="outcome_unbilled",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class RevenueReport(TenantModel):
    """Revenue the client reports for one period of a revenue-share engagement."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="revenue_reports"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    revenue = AmountField(validators=NON_NEGATIVE)
    reported_by = models.CharField(max_length=150, help_text="Who at the client reported it.")
    reported_at = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    billed = models.BooleanField(default=False, db_default=False, editable=False)  # as TimeEntry

    class Meta:
        ordering = ["-period_start"]
        indexes = [
            models.Index(
                fields=["workspace", "-period_start", "-id"], name="revenue_report_recent"
            ),
            models.Index(
                fields=["workspace", "engagement", "period_start"],
                condition=Q(billed=False),
                name="revenue_report_unbilled",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period_start"],
                name="revenue_report_one_per_period",
                violation_error_message="This period already has a revenue report.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start}: {self.revenue}"


class Expense(TenantModel):
    # Indexed by expense_engagement_recent (engagement first), not a single-column index.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="expenses", db_index=False
    )
    date = models.DateField()
    amount = AmountField(validators=NON_NEGATIVE)
    category = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    receipt = models.FileField(
        upload_to="receipts/%Y/%m/",
        blank=True,
        validators=[validate_receipt],
        help_text="PDF, PNG, JPEG, WebP or HEIC, at most 10 MB.",
    )
    rebillable = models.BooleanField(default=True)
    markup_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    billed = models.BooleanField(default=False, db_default=False, editable=False)  # as TimeEntry

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "-date", "-id"], name="expense_recent"),
            models.Index(fields=["engagement", "-date", "-id"], name="expense_engagement_recent"),
            models.Index(
                fields=["workspace", "engagement", "date", "id"],
                condition=Q(rebillable=True, billed=False),
                name="expense_unbilled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.category} {self.amount}"


class BillingClaim(TenantModel):
    """The lock that makes an item invoiceable once. Invoicing claims items inside its own
    transaction; a unique constraint (not a read-then-write check) is what stops a second,
    concurrent claim. Voiding an invoice releases its claims (`released_at`), never deletes.

    Items with a source row (time entry, milestone, outcome, revenue report, expense) are
    keyed by kind + source id; period items (retainer fee, retainer overage) by engagement
    + kind + period start."""

    class Kind(models.TextChoices):
        TIME = "time", "Time"
        MILESTONE = "milestone", "Milestone"
        OUTCOME = "outcome", "Outcome bounty"
        REVENUE_SHARE = "revenue_share", "Revenue share"
        RETAINER_FEE = "retainer_fee", "Retainer fee"
        RETAINER_OVERAGE = "retainer_overage", "Retainer overage"
        EXPENSE = "expense", "Expense"

    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="billing_claims"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.BigIntegerField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    amount = AmountField()
    currency = models.CharField(max_length=3)
    # What claimed it: the invoice's reference from the invoicing app on.
    claimed_for = models.CharField(max_length=64)
    claimed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id"],
                condition=Q(released_at__isnull=True, source_id__isnull=False),
                name="billing_claim_once_per_source",
            ),
            models.UniqueConstraint(
                fields=["engagement", "kind", "period_start"],
                condition=Q(released_at__isnull=True, period_start__isnull=False),
                name="billing_claim_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(source_id__isnull=False) | Q(period_start__isnull=False),
                name="billing_claim_has_a_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id or self.period_start} → {self.claimed_for}"


class Proposal(TenantModel):
    """A quote the client opens through a signed link and accepts. It proposes an
    engagement (status "proposed"); accepting it makes that engagement active."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    engagement = models.OneToOneField(Engagement, on_delete=models.PROTECT, related_name="proposal")
    title = models.CharField(max_length=200)
    scope = models.TextField(help_text="What you will do, deliver and not do.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The public link's token is an HMAC of the proposal and `link_version` (like an
    # invoice's), so an email task and the detail page can recompute it; only its SHA-256
    # is stored, and a new version turns the previous link off. Links issued before the
    # version existed were random tokens: they keep working until the next link replaces
    # them.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    link_version = models.PositiveIntegerField(default=0)
    valid_until = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    accepted_name = models.CharField(max_length=150, blank=True)
    accepted_email = models.EmailField(blank=True)
    decline_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # The proposal list (newest first, pk as the tie-breaker) and its API list.
        indexes = [models.Index(fields=["workspace", "-created_at", "-id"], name="proposal_recent")]

    def __str__(self) -> str:
        return self.title


class Availability(TenantModel):
    """Hours a person can work on each weekday, from a date on. Editing capacity adds a
    new row with a later `effective_from`, so past weeks keep the capacity they had."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    effective_from = models.DateField()
    monday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("8"))
    tuesday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("8"))
    wednesday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("8"))
    thursday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("8"))
    friday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("8"))
    saturday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0"))
    sunday = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0"))

    WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    class Meta:
        ordering = ["-effective_from"]
        verbose_name_plural = "availability"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user", "effective_from"],
                name="availability_one_per_day",
                violation_error_message="Availability already changes on this date.",
            )
        ]

    def hours_on(self, weekday: int) -> Decimal:
        return getattr(self, self.WEEKDAYS[weekday])


class BlockedTime(TenantModel):
    """Time that is not for client work: caregiving, time off. One-off (a date range) or
    recurring weekly on some weekdays between two dates."""

    class Kind(models.TextChoices):
        CAREGIVING = "caregiving", "Caregiving"
        TIME_OFF = "time_off", "Time off"
        ADMIN = "admin", "Admin and business development"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty: no end.")
    recurring = models.BooleanField(default=False, help_text="Repeats every week.")
    # For recurring blocks: weekdays 0 (Mon)…6 (Sun); one-off blocks cover every day.
    weekdays = models.JSONField(default=list, blank=True)
    hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="blocked_time_end_after_start",
                violation_error_message="The end date is before the start date.",
            )
        ]

    def __str__(self) -> str:
        return self.title
