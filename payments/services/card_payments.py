"""Card payments: starting one on the client's link, and recording what Stripe says
happened to it.

Recording is derived, never replayed: `card_payment_sync` reads the PaymentIntent (and
its charge's refunds) from Stripe and brings our rows and the money up to that state,
each step at most once under the payment's row lock. So a webhook delivered 50 times, in
any order (a refund before the success), a sweeper running beside it, or a worker killed
after the charge and before recording it all end in the same single receipt."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Workspace
from core.money import ZERO, format_money, quantize
from invoicing import services as invoicing
from invoicing.models import Invoice, InvoiceLine, Receipt
from invoicing.services.allocations import lock_client
from invoicing.services.state import REMINDABLE
from payments import stripe_api
from payments.models import CardPayment, CardRefund, PaymentSettings, StripeAccount
from payments.shares import Split, minimum_charge, payment_split, refund_split

Status = CardPayment.Status


def payment_settings(workspace: Workspace) -> PaymentSettings:
    found: PaymentSettings | None = PaymentSettings.objects.filter(workspace=workspace).first()
    return found or PaymentSettings(workspace=workspace)


def chargeable_account(workspace: Workspace) -> StripeAccount | None:
    """The connected account card payments go to, if it can take charges."""
    account: StripeAccount | None = StripeAccount.objects.filter(
        workspace=workspace, charges_enabled=True
    ).first()
    return account


def split_for(invoice: Invoice, amount: Decimal) -> Split:
    contribution = (
        InvoiceLine.objects.filter(invoice=invoice, kind=InvoiceLine.Kind.BENEFITS).aggregate(
            s=Sum("total_amount")
        )["s"]
        or ZERO
    )
    return payment_split(
        amount=amount,
        currency=invoice.currency,
        invoice_total=invoice.total,
        contribution=contribution,
        own_percent=payment_settings(invoice.workspace).benefits_percent,
    )


def lock_for_money(*, client_id: int, invoice_id: int) -> Invoice:
    """Take the locks every writer of a client's money takes, in the same order (the
    client, then the invoice; invoicing/services/allocations.py), before a payment row:
    so a webhook, a payer on the link, a refund and a payment recorded by hand queue
    behind each other and never deadlock."""
    lock_client(client_id)
    invoice: Invoice = (
        Invoice.objects.select_for_update().select_related("workspace").get(pk=invoice_id)
    )
    return invoice


def _lock(payment: CardPayment) -> CardPayment:
    lock_for_money(client_id=payment.client_id, invoice_id=payment.invoice_id)
    locked: CardPayment = (
        CardPayment.objects.select_for_update(of=("self",))
        .select_related("invoice", "workspace")
        .get(pk=payment.pk)
    )
    return locked


@transaction.atomic
def card_payment_start(
    *, invoice: Invoice, amount: Decimal | None = None, save_card: bool = False
) -> tuple[CardPayment, str]:
    """The PaymentIntent a payer on the link confirms, and its client secret.

    Under the invoice's row lock: open intents of the invoice are first brought up to
    date from Stripe (one that succeeded is recorded, so what is due is current), then an
    open intent for the same amount is shared (two payers at once confirm the same
    intent: only one can succeed), else a new one is made for at most what is due."""
    invoice = lock_for_money(client_id=invoice.client_id, invoice_id=invoice.pk)
    workspace = invoice.workspace
    account = chargeable_account(workspace)
    if account is None:
        raise ValidationError("This business does not take card payments yet.")
    for open_payment in CardPayment.objects.filter(
        invoice=invoice,
        origin=CardPayment.Origin.LINK,
        status__in=[
            Status.REQUIRES_PAYMENT_METHOD,
            Status.REQUIRES_CONFIRMATION,
            Status.REQUIRES_ACTION,
            Status.PROCESSING,
        ],
    ).order_by("pk"):
        card_payment_sync(payment=open_payment)
    invoice.refresh_from_db()
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in REMINDABLE:
        raise ValidationError("This invoice has nothing left to pay.")
    if CardPayment.objects.filter(invoice=invoice, status=Status.PROCESSING).exists():
        raise ValidationError("A card payment of this invoice is already processing.")
    due = invoice.amount_due
    if amount is None:
        amount = due
    amount = quantize(amount, invoice.currency)
    settings_ = payment_settings(workspace)
    if amount != due and not settings_.allow_partial:
        raise ValidationError({"amount": "This invoice is paid in one payment of the amount due."})
    if amount > due:
        raise ValidationError({"amount": f"At most {format_money(due, invoice.currency)} is due."})
    least = minimum_charge(invoice.currency, own_percent=settings_.benefits_percent)
    if amount < least:
        raise ValidationError(
            {"amount": f"The smallest card payment is {format_money(least, invoice.currency)}."}
        )
    shared = (
        CardPayment.objects.filter(
            invoice=invoice,
            origin=CardPayment.Origin.LINK,
            amount=amount,
            save_card=save_card,
            status__in=[Status.REQUIRES_PAYMENT_METHOD, Status.REQUIRES_ACTION],
        )
        .order_by("-pk")
        .first()
    )
    if shared is not None and shared.intent_id:
        intent = stripe_api.payment_intent_retrieve(shared.intent_id)
        return shared, intent["client_secret"]
    split = split_for(invoice, amount)
    payment = CardPayment.objects.create(
        workspace=workspace,
        invoice=invoice,
        client_id=invoice.client_id,
        amount=amount,
        currency=invoice.currency,
        benefits_share=split.benefits_share,
        processing_fee=split.processing_fee,
        destination=account.account_id,
        save_card=save_card,
    )
    customer = None
    if save_card:
        from payments.services.cards import customer_for

        customer = customer_for(invoice.client)
    intent = stripe_api.payment_intent_create(
        key=f"cardpayment:{payment.pk}:create",
        amount=amount,
        currency=invoice.currency,
        destination=account.account_id,
        application_fee=split.application_fee,
        metadata=_metadata(payment),
        description=f"Invoice {invoice.number} — {workspace.name}",
        customer=customer,
        save_card=save_card,
    )
    payment.intent_id = intent["id"]
    payment.status = intent["status"]
    payment.save(update_fields=["intent_id", "status", "updated_at"])
    return payment, intent["client_secret"]


def _metadata(payment: CardPayment) -> dict[str, str]:
    return {
        "card_payment": str(payment.pk),
        "workspace": str(payment.workspace_id),
        "invoice": str(payment.invoice_id),
    }


def _day(timestamp: int | None, workspace: Workspace) -> dt.date:
    """The workspace's date at a Stripe timestamp (seconds since the epoch)."""
    if not timestamp:
        return workspace.today()
    moment = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    return timezone.localtime(moment, zoneinfo.ZoneInfo(workspace.timezone)).date()


@transaction.atomic
def card_payment_sync(*, payment: CardPayment, intent: Any | None = None) -> CardPayment:
    """Bring `payment` up to what Stripe says: its status, its receipt once it
    succeeded, and each refund Stripe made of its charge. Safe to run any number of
    times, concurrently, and in any order with the events."""
    payment = _lock(payment)
    if not payment.intent_id:
        return payment
    if intent is None:
        intent = stripe_api.payment_intent_retrieve(payment.intent_id)
    payment.status = intent["status"]
    error = intent.get("last_payment_error") or {}
    if payment.status == Status.REQUIRES_PAYMENT_METHOD and error:
        payment.failure_code = (error.get("decline_code") or error.get("code") or "")[:64]
        payment.failure_message = (error.get("message") or "")[:300]
    charge = intent.get("latest_charge") or ""
    charge_id = charge["id"] if isinstance(charge, dict) else charge
    payment.charge_id = charge_id or payment.charge_id
    payment.save(
        update_fields=["status", "failure_code", "failure_message", "charge_id", "updated_at"]
    )
    if payment.status == Status.SUCCEEDED and payment.receipt_id is None:
        _record_success(payment, intent)
    refunded = charge.get("amount_refunded") if isinstance(charge, dict) else None
    asked = CardRefund.objects.filter(payment=payment, receipt__isnull=True).exists()
    if payment.receipt_id is not None and payment.charge_id and (refunded != 0 or asked):
        _record_refunds(payment)
    return payment


def _record_success(payment: CardPayment, intent: Any) -> None:
    workspace = payment.workspace
    receipt = invoicing.receipt_record(
        invoice=payment.invoice,
        actor=None,
        amount=payment.amount,
        received_on=_day(intent.get("created"), workspace),
        method=Receipt.Method.STRIPE,
        reference=payment.intent_id or "",
        settled_to={
            "stripe_balance": payment.landed,
            "stripe_fees": payment.processing_fee,
            "benefits_custody": payment.benefits_share,
        },
        whatever_its_state=True,
    )
    payment.receipt = receipt
    payment.save(update_fields=["receipt", "updated_at"])
    if payment.save_card:
        from payments.services.cards import card_save_from_intent

        card_save_from_intent(payment=payment, intent=intent)


def split_of(payment: CardPayment) -> Split:
    return Split(payment.amount, payment.benefits_share, payment.processing_fee)


def refunded_so_far(payment: CardPayment) -> Decimal:
    """What was already given back of the payment: refunds and dispute withdrawals."""
    assert payment.receipt_id is not None
    total = Receipt.objects.filter(refund_of_id=payment.receipt_id).aggregate(s=Sum("amount"))["s"]
    return -(total or ZERO)


def money_back(
    *, payment: CardPayment, amount: Decimal, on: dt.date, reason: str, action: str
) -> Receipt:
    """Record `amount` of the payment leaving again (a refund or a dispute's
    withdrawal), each part pro rata: the landed money from the Stripe balance, the fee
    and the benefits share from where they were kept."""
    assert payment.receipt is not None
    back = refund_split(
        payment=split_of(payment),
        currency=payment.currency,
        refunded_before=refunded_so_far(payment),
        amount=amount,
    )
    return invoicing.receipt_refund(
        receipt=payment.receipt,
        amount=amount,
        on=on,
        reason=reason,
        settled_from={
            "stripe_balance": back.landed,
            "stripe_fees": back.processing_fee,
            "benefits_custody": back.benefits_share,
        },
        action=action,
    )


def _record_refunds(payment: CardPayment) -> None:
    """Each refund Stripe made of the charge and that succeeded, recorded once."""
    refunds = stripe_api.refund_list(payment.charge_id)
    for refund in sorted(refunds["data"], key=lambda r: (r["created"], r["id"])):
        row = CardRefund.objects.filter(refund_id=refund["id"]).first()
        if row is None:
            ref = (refund.get("metadata") or {}).get("refund_ref", "")
            row = (
                CardRefund.objects.filter(pk=int(ref), payment=payment).first()
                if ref.isdigit()
                else None
            )
        if row is None:  # made in Stripe's dashboard, not here
            row = CardRefund(
                workspace=payment.workspace,
                payment=payment,
                amount=stripe_api.money(refund["amount"], payment.currency),
                reason="Refunded in Stripe",
            )
        row.refund_id = refund["id"]
        row.status = refund["status"]
        row.save()
        if refund["status"] == "succeeded" and row.receipt_id is None:
            row.receipt = money_back(
                payment=payment,
                amount=row.amount,
                on=_day(refund.get("created"), payment.workspace),
                reason=row.reason or "Refund",
                action="payment.refund",
            )
            row.save(update_fields=["receipt"])
