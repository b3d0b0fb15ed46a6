# Long on purpose: the payments tables in one module, as Django reads them; each is short.
"""The Stripe boundary's rows. What Stripe says is the truth about a payment; these rows
remember what we asked for (so a retry reuses it) and what of Stripe's state has already
been recorded as money (so it is recorded once). Money itself lives where it always does:
receipts and allocations in invoicing, postings in the ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantModel
from core.money import AmountField


class PaymentSettings(TenantModel):
    """How a workspace takes card payments."""

    # The professional's own benefits share of each card payment, kept on the platform
    # at the moment of payment (until the benefits work lands its plans).
    benefits_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
        help_text="Share of each card payment set aside for your benefits (0–50 %).",
    )
    allow_partial = models.BooleanField(
        default=False, help_text="Clients may pay part of an invoice by card."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="payment_settings_once"),
        ]


class StripeAccount(TenantModel):
    """The workspace's connected (Express) account, as `account.updated` last said."""

    account_id = models.CharField(max_length=64, unique=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=120, blank=True)
    default_currency = models.CharField(max_length=3, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="stripe_account_once"),
        ]

    def __str__(self) -> str:
        return self.account_id


class StripeCustomer(TenantModel):
    """A client as a Stripe customer on the platform (destination charges keep customers
    and saved cards on the platform), created when a card is first saved."""

    client = models.OneToOneField(
        "engagements.Client", on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class SavedCard(TenantModel):
    """A card a client chose to save when paying; recurring invoices charge it."""

    client = models.ForeignKey(
        "engagements.Client", on_delete=models.PROTECT, related_name="saved_cards"
    )
    payment_method_id = models.CharField(max_length=64)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "payment_method_id"], name="saved_card_once"
            ),
            # One card in force per client: the newest saved replaces the last.
            models.UniqueConstraint(
                fields=["client"], condition=Q(active=True), name="saved_card_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand or 'card'} •••• {self.last4}"


class CardPayment(TenantModel):
    """One PaymentIntent: a client paying an invoice by card (on its link, or charged
    off-session by auto-charge). `status` mirrors Stripe's; `receipt` is set once, when
    its success is recorded as money."""

    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", "Waiting for a card"
        REQUIRES_CONFIRMATION = "requires_confirmation", "Waiting for confirmation"
        REQUIRES_ACTION = "requires_action", "Waiting for authentication"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Paid"
        CANCELED = "canceled", "Canceled"

    class Origin(models.TextChoices):
        LINK = "link", "Client's link"
        AUTO = "auto", "Auto-charge"

    invoice = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.PROTECT, related_name="card_payments"
    )
    client = models.ForeignKey("engagements.Client", on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.LINK)
    intent_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # What we asked Stripe for, in the invoice's currency.
    amount = AmountField()
    currency = models.CharField(max_length=3)
    benefits_share = AmountField(default=Decimal("0"))
    processing_fee = AmountField(default=Decimal("0"))
    destination = models.CharField(max_length=64)
    save_card = models.BooleanField(default=False)
    saved_card = models.ForeignKey(
        SavedCard, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=32, choices=Status.choices, default=Status.REQUIRES_PAYMENT_METHOD
    )
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    charge_id = models.CharField(max_length=64, blank=True)
    # A declined auto-charge is emailed to both sides once.
    failure_notified_at = models.DateTimeField(null=True, blank=True)
    receipt = models.OneToOneField(
        "invoicing.Receipt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_payment",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="card_payment_recent"),
            models.Index(fields=["workspace", "invoice", "status"]),
            models.Index(fields=["status", "updated_at"], name="card_payment_unsettled"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_payment_positive"),
            models.CheckConstraint(
                condition=Q(benefits_share__gte=0, processing_fee__gte=0),
                name="card_payment_split_nonnegative",
            ),
            # An auto-charge is made once per invoice and attempt.
            models.UniqueConstraint(
                fields=["invoice", "attempt"],
                condition=Q(origin="auto"),
                name="card_payment_auto_attempt_once",
            ),
        ]

    @property
    def landed(self) -> Decimal:
        """What reaches the connected account."""
        return self.amount - self.benefits_share - self.processing_fee

    @property
    def is_open(self) -> bool:
        return self.status in (
            self.Status.REQUIRES_PAYMENT_METHOD,
            self.Status.REQUIRES_CONFIRMATION,
            self.Status.REQUIRES_ACTION,
        )


class CardRefund(TenantModel):
    """A refund of a card payment: asked for here (or seen in Stripe), recorded as a
    negative receipt once Stripe says it succeeded."""

    payment = models.ForeignKey(CardPayment, on_delete=models.PROTECT, related_name="refunds")
    refund_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    amount = AmountField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, default="pending")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt = models.OneToOneField(
        "invoicing.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="card_refund_positive"),
        ]


class CardDispute(TenantModel):
    """A chargeback: the disputed amount leaves the balance when it opens and comes back
    if it is won."""

    payment = models.ForeignKey(CardPayment, on_delete=models.PROTECT, related_name="disputes")
    dispute_id = models.CharField(max_length=64, unique=True)
    amount = AmountField()
    reason = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    withdrawal = models.OneToOneField(
        "invoicing.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reinstatement = models.OneToOneField(
        "invoicing.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def outcome(self) -> str:
        return {"won": "Won", "lost": "Lost"}.get(self.status, "")


class Payout(TenantModel):
    """Money leaving the connected account's Stripe balance for the bank."""

    payout_id = models.CharField(max_length=64, unique=True)
    amount = AmountField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    arrival_date = models.DateField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What of its life is on the ledger: left the balance, arrived, came back.
    posted_sent = models.BooleanField(default=False)
    posted_paid = models.BooleanField(default=False)
    posted_failed = models.BooleanField(default=False)
    failure_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at", "-id"])]


class WebhookEvent(models.Model):
    """A Stripe event as received, stored once by its id before anything else happens.
    Platform-wide (one endpoint for every workspace): the workspace is found from the
    objects it names. Operators see these at /ops/stripe/events/."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=64)
    account = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    times_received = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="webhook_event_recent"),
            models.Index(
                fields=["received_at"],
                condition=Q(status="pending") | Q(status="failed"),
                name="webhook_event_unsettled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
