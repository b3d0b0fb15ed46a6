# Long on purpose: the invoicing tables in one module, as Django reads them; each is short.
"""Invoices, credit notes, receipts and their allocations, reminders, recurring schedules
and exchange rates.

Invariants (enforced in services, backed by the database where it can):
- A number is assigned when an invoice is finalised, from the workspace's series for its
  kind, under a row lock on the series: gapless, never reused (UniqueConstraint).
- A finalised invoice's content is frozen; it changes only through credit notes and void.
- Receipts and allocations are append-only: a mistake is reversed, never edited; every
  money movement posts to the ledger in the same transaction (invoicing/postings.py).
- Amounts are Decimal rounded to the invoice currency's minor unit (core.money)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantModel
from core.currencies import currency_choices
from core.money import AmountField, RateField

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class TaxRate(TenantModel):
    name = models.CharField(max_length=60, help_text="e.g. VAT 20%, GST")
    percent = models.DecimalField(max_digits=6, decimal_places=3, validators=PERCENT)
    inclusive = models.BooleanField(
        default=False, help_text="Prices already include this tax (common for consumer prices)."
    )
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.percent.normalize():f}%{' incl.' if self.inclusive else ''})"


class NumberSeries(TenantModel):
    """The next number of one kind of document in one workspace. Finalising locks this row,
    so two finalisations queue up and take consecutive numbers; a rolled-back one gives
    its number back (the increment rolls back with it): gapless."""

    kind = models.CharField(max_length=12)  # Invoice.Kind
    next_number = models.PositiveIntegerField(default=1)
    # {prefix}, {number} (zero-padded to `padding`), {year}
    pattern = models.CharField(max_length=40, default="{prefix}{number}")
    padding = models.PositiveSmallIntegerField(default=4, validators=[MaxValueValidator(12)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind"], name="number_series_per_kind")
        ]


def parties_of(invoice: Invoice) -> dict:
    """Who the invoice is from and to, as printed. Frozen into `snapshot` on finalise."""
    ws, client = invoice.workspace, invoice.client
    return {
        "from": {
            "name": ws.legal_name or ws.name,
            "country": str(ws.country),
            "country_name": ws.country.name,  # type: ignore[attr-defined]  # a Country, not a str
            "address": ws.billing_address,
            "tax_id": ws.tax_id,
            "logo": ws.logo.name if ws.logo else "",
            "payment_instructions": ws.payment_instructions,
        },
        "to": {
            "name": client.name,
            "email": client.email,
            "address": client.billing_address,
            "country": str(client.country),
            "country_name": client.country.name if client.country else "",  # type: ignore[attr-defined]
            "tax_id": client.tax_id,
            "contact": client.contact_name,
        },
    }


class Invoice(TenantModel):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"
        UNCOLLECTIBLE = "uncollectible", "Uncollectible"

    # Indexed by invoice_recent (workspace first), not a single-column index: one index
    # less for every invoice the recurring run writes.
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="invoices", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    # Indexed by invoice_client_recent (client first), not by a single-column index.
    client = models.ForeignKey(
        "engagements.Client", on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    # A credit note credits one finalised invoice.
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(max_length=40, blank=True, default="")
    currency = models.CharField(max_length=3, choices=currency_choices)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    terms = models.TextField(blank=True)
    # Totals, kept by the services (recomputed from the lines on every draft change).
    subtotal = AmountField(default=Decimal("0"))  # net of line discounts, before tax
    discount_total = AmountField(default=Decimal("0"))
    tax_total = AmountField(default=Decimal("0"))
    total = AmountField(default=Decimal("0"))
    amount_paid = AmountField(default=Decimal("0"))
    amount_credited = AmountField(default=Decimal("0"))
    amount_written_off = AmountField(default=Decimal("0"))
    # Who it is from and to, as printed: frozen when finalised.
    snapshot = models.JSONField(default=dict, blank=True)
    # The client's link: a random token, only its SHA-256 stored; revocable.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The token is an HMAC of (id, version) under SECRET_KEY, so the working link can be
    # put in every email; issuing a new link bumps the version and the old one dies.
    link_version = models.PositiveIntegerField(default=0)
    link_revoked_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True)
    pdf_fingerprint = models.CharField(max_length=64, blank=True)
    # Recurring: the schedule and period that made it, unique, so a rerun makes it once.
    schedule = models.ForeignKey(
        "RecurringSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    schedule_period = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Each list reads its page off one of these, in order, and stops after the page:
        # no Sort over the workspace (tests/perf/test_list_plans.py walks the plans).
        indexes = [
            # The invoice list and the API list, unfiltered (default ordering).
            models.Index(fields=["workspace", "-created_at", "-id"], name="invoice_recent"),
            # Filtered by one status; also serves any (workspace, status) lookup.
            models.Index(
                fields=["workspace", "status", "-created_at", "-id"], name="invoice_status_recent"
            ),
            # Filtered by client, and the client page's recent invoices; also the FK's index.
            models.Index(fields=["client", "-created_at", "-id"], name="invoice_client_recent"),
            # Filtered by currency; and the list's currency choices, read as a skip scan.
            models.Index(
                fields=["workspace", "currency", "-created_at", "-id"],
                name="invoice_currency_recent",
            ),
            # "Outstanding" and "Overdue": open invoices only, so it stays small.
            models.Index(
                fields=["workspace", "-created_at", "-id"],
                condition=Q(status__in=["open", "partially_paid"]),
                name="invoice_open_recent",
            ),
            # Credit notes are few among many invoices: without it their filter walks all.
            models.Index(
                fields=["workspace", "-created_at", "-id"],
                condition=Q(kind="credit_note"),
                name="invoice_credit_note_recent",
            ),
            models.Index(fields=["workspace", "due_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "number"],
                condition=~Q(number=""),
                name="invoice_number_unique",
            ),
            models.UniqueConstraint(
                fields=["schedule", "schedule_period"],
                condition=Q(schedule__isnull=False),
                name="invoice_once_per_schedule_period",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(number=""), name="invoice_final_has_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    @property
    def amount_due(self) -> Decimal:
        # Kept by the services as sums of allocations (checked by `ledger_check`);
        # credit beyond what was due goes to the client's credit, never below zero here.
        owed = self.total - self.amount_paid - self.amount_credited - self.amount_written_off
        return max(owed, Decimal(0))

    @property
    def parties(self) -> dict:
        """As frozen at finalise; a draft shows the current details."""
        return self.snapshot or parties_of(self)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def claim_ref(self) -> str:
        """What this invoice's BillingClaims are recorded under."""
        return f"invoice:{self.pk}"


class InvoiceLine(TenantModel):
    class Kind(models.TextChoices):
        MANUAL = "manual", "Manual"
        WORK = "work", "Billable work"
        BENEFITS = "benefits", "Benefits contribution"
        LATE_FEE = "late_fee", "Late fee"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    engagement = models.ForeignKey(
        "engagements.Engagement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("1"))
    unit_price = RateField()
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT
    )
    tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The tax as applied (a rate edited later does not change an issued invoice).
    tax_name = models.CharField(max_length=60, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))
    tax_inclusive = models.BooleanField(default=False)
    # Computed by the services, rounded to the currency.
    discount_amount = AmountField(default=Decimal("0"))
    net_amount = AmountField(default=Decimal("0"))  # after discount, before tax
    tax_amount = AmountField(default=Decimal("0"))
    total_amount = AmountField(default=Decimal("0"))
    # The unbilled items this line bills (kind + key), for claims and the audit trail.
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "pk"]


class InvoiceEvent(TenantModel):
    """The invoice's timeline: created, finalised, sent, viewed, reminded, paid…"""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class RetiredInvoiceLink(TenantModel):
    """A client link that no longer works because a new one replaced it, kept as its hash
    so that whoever opens it is told so, and whom to ask for the current one, instead of
    meeting a bare 404. It shows nothing of the invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)


class Receipt(TenantModel):
    """Money received from a client, in full, as it arrived: the amount, currency, date,
    method, reference and its value in the base currency at that date's rate. Where it
    went is said by its allocations (to invoices, to the client's credit), which always
    sum to the receipt's amount. Append-only: a mistake is undone by a reversal, a
    negative receipt that points at it and reverses every allocation made from it."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CASH = "cash", "Cash"
        CHEQUE = "cheque", "Cheque"
        CARD = "card", "Card"
        STRIPE = "stripe", "Stripe"
        OTHER = "other", "Other"

    client = models.ForeignKey(
        "engagements.Client", on_delete=models.PROTECT, related_name="receipts"
    )
    # The invoice it was recorded against (its first allocation), for the invoice's page.
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    amount = AmountField()  # everything received; negative for a reversal
    currency = models.CharField(max_length=3)
    received_on = models.DateField()
    method = models.CharField(max_length=16, choices=Method.choices)
    reference = models.CharField(max_length=120, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # A refund (or a dispute's withdrawal) of part or all of a card payment: money sent
    # back through the processor. A payment may have several; they never exceed it.
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    # The base-currency value at the receipt's date, for income reports.
    rate_to_base = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    base_amount = AmountField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        # The default ordering, and income this month/quarter/year read index-only.
        indexes = [
            models.Index(
                fields=["workspace", "received_on", "id"],
                include=["base_amount"],
                name="receipt_by_date",
            )
        ]
        constraints = [
            # A receipt is money in; only its reversal or a refund of it is negative.
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, refund_of__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, refund_of__isnull=True, amount__lt=0)
                | Q(reverses__isnull=True, refund_of__isnull=False, amount__lt=0),
                name="receipt_sign_follows_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.currency}"


# What a person records by hand (Stripe's receipts come from Stripe).
MANUAL_METHODS = [
    (value, label) for value, label in Receipt.Method.choices if value != Receipt.Method.STRIPE
]


class Allocation(TenantModel):
    """Where money went: from a source (a receipt, or a credit note's credit) to an
    invoice, or to the client's credit (`invoice` empty). Signed and append-only: applying
    credit later is a pair (−credit, +invoice) from the same source, a reversal is the
    negative of what it undoes. So, per source, the allocations sum to its amount; an
    invoice's paid and credited amounts and a client's credit are sums of them."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"  # a receipt, to the invoice it was recorded on
        OVERPAYMENT = "overpayment", "Overpayment to credit"
        CREDIT_NOTE = "credit_note", "Credit note"
        CREDIT_NOTE_EXCESS = "credit_note_excess", "Credit note beyond what was due"
        CREDIT_APPLIED = "credit_applied", "Client credit applied"
        CREDIT_RETURNED = "credit_returned", "Credit note credit returned to its invoice"
        REVERSAL = "reversal", "Reversal"
        REFUND = "refund", "Refund"  # money sent back out of a card payment

    client = models.ForeignKey(
        "engagements.Client", on_delete=models.PROTECT, related_name="allocations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_allocations",
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = AmountField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["workspace", "client", "currency"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(receipt__isnull=False, credit_note__isnull=True)
                | Q(receipt__isnull=True, credit_note__isnull=False),
                name="allocation_has_one_source",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero"),
        ]


class ReminderRule(TenantModel):
    """Remind N days relative to the due date: negative before, 0 on, positive after."""

    days_from_due = models.SmallIntegerField(
        validators=[MinValueValidator(-60), MaxValueValidator(365)]
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["days_from_due"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "days_from_due"],
                name="reminder_rule_unique_offset",
                violation_error_message="A reminder on this day already exists.",
            )
        ]

    def __str__(self) -> str:
        d = self.days_from_due
        if d == 0:
            return "On the due date"
        return f"{abs(d)} day{'s' if abs(d) != 1 else ''} {'before' if d < 0 else 'after'} due"


class ReminderSent(TenantModel):
    """One invoice's reminder by one rule, at most once: the unique constraint is the
    guarantee. Recorded by the beat run (pending, or skipped when a later rule supersedes
    it), then delivered by its own task through the outbox, which re-checks the invoice
    and moves it to sent, skipped (no longer owed, no address) or failed (the mail server
    refused), each with the reason."""

    class Delivery(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    rule = models.ForeignKey(ReminderRule, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    reason = models.CharField(max_length=300, blank=True)  # why skipped or failed
    delivered_at = models.DateTimeField(null=True, blank=True)  # when the email left

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "rule"], name="reminder_once_per_rule"),
            models.CheckConstraint(
                condition=models.Q(state="sent", delivered_at__isnull=False)
                | (~models.Q(state="sent") & models.Q(delivered_at__isnull=True)),
                name="reminder_delivered_iff_sent",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "sent"], reason="")
                | (models.Q(state__in=["skipped", "failed"]) & ~models.Q(reason="")),
                name="reminder_reason_iff_not_delivered",
            ),
        ]


class LateFeePolicy(TenantModel):
    class Kind(models.TextChoices):
        NONE = "none", "No late fee"
        FIXED = "fixed", "A fixed amount"
        INTEREST = "interest", "Interest per day late"

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="late_fee_policy"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NONE)
    fixed_amount = AmountField(null=True, blank=True, validators=NON_NEGATIVE)
    annual_interest_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text="Statutory-style simple interest: overdue × rate × days late / 365.",
    )
    grace_days = models.PositiveSmallIntegerField(default=0)


class RecurringSchedule(TenantModel):
    class Interval(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    name = models.CharField(max_length=200)
    client = models.ForeignKey(
        "engagements.Client", on_delete=models.PROTECT, related_name="recurring_schedules"
    )
    # With an engagement, each run bills its unbilled work for the period (a retainer's
    # fee in advance, last period's overage); without one, the template lines.
    engagement = models.ForeignKey(
        "engagements.Engagement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    interval = models.CharField(max_length=10, choices=Interval.choices, default=Interval.MONTHLY)
    every = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    next_run = models.DateField(db_index=True)
    currency = models.CharField(max_length=3, choices=currency_choices)
    lines = models.JSONField(
        default=list, blank=True
    )  # [{description, quantity, unit_price, tax_rate_id}]
    days_until_due = models.PositiveSmallIntegerField(null=True, blank=True)
    auto_finalize = models.BooleanField(default=True)
    auto_send = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_run", "pk"]
        indexes = [
            models.Index(fields=["workspace", "next_run", "id"], name="schedule_by_next_run")
        ]

    def __str__(self) -> str:
        return self.name


class ExchangeRate(TenantModel):
    """1 unit of `currency` = `rate` units of the workspace's base currency, on `date`."""

    date = models.DateField()
    currency = models.CharField(max_length=3, choices=currency_choices)
    rate = models.DecimalField(
        max_digits=20, decimal_places=10, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )

    class Meta:
        ordering = ["-date", "currency"]
        indexes = [
            models.Index(fields=["workspace", "-date", "currency"], name="exchange_rate_recent")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "currency", "date"],
                name="exchange_rate_one_per_day",
                violation_error_message="A rate for this currency and day already exists.",
            )
        ]


class OwedChange(TenantModel):
    """What clients owe on open invoices (not credit notes, not drafts), as rows to add up
    per (client, currency, due date). The database appends them: a trigger on invoices
    (migration 0009) writes, in the transaction of every insert, update or delete, what
    that statement changed, grouped by key; `services.owed.owed_fold` later replaces a
    workspace's rows by one per key. Only inserts and that fold touch the table, so no
    writer of invoices ever waits on another here. Reads add up a workspace's rows: they
    grow with its clients' distinct due dates still owed and the changes since the last
    fold, never with its invoices (the invoice list's cards, the dashboard, the client
    page). `ledger_check` compares the sums with the invoices
    (`invoicing.owed_sums_match_invoices`)."""

    # No foreign keys: checking one would take a KEY SHARE lock on the workspace (or
    # client) row in every transaction that changes what is owed, which paths holding
    # that row FOR UPDATE while waiting on an invoice could then deadlock with. Rows of a
    # workspace deleted since (its invoices' deletion appends some) are swept by the fold.
    workspace = models.ForeignKey(
        "accounts.Workspace",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # owed_change_key leads with it
        related_name="+",
    )
    client = models.ForeignKey(
        "engagements.Client",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    currency = models.CharField(max_length=3)
    due_date = models.DateField(null=True)
    amount = AmountField()
    invoices = models.IntegerField()  # how many invoices the amount is of (+/-)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "client", "currency", "due_date"], name="owed_change_key"
            )
        ]
