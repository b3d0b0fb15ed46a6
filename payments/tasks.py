"""Celery tasks of the Stripe boundary. Names are explicit (queued messages name them);
each takes ids, is queued through the outbox and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, Workspace
from accounts.tenancy import workspace_task
from core.money import format_money
from payments import services
from payments.models import CardPayment, Payout


@shared_task(name="payments.tasks.stripe_event_process", acks_late=True)
def stripe_event_process(*, event_id: int) -> str:
    return services.event_process(event_id=event_id)


# Beat: re-drives events whose task was lost or that failed (with backoff).
@shared_task(name="payments.tasks.stripe_events_sweep")
def stripe_events_sweep() -> int:
    return services.events_sweep()


@shared_task(name="payments.tasks.invoice_autocharge", acks_late=True)
@workspace_task
def invoice_autocharge(*, workspace: Workspace, invoice_id: int, attempt: int) -> str:
    return services.invoice_autocharge(workspace=workspace, invoice_id=invoice_id, attempt=attempt)


# Beat: the next attempt of declined auto-charges whose wait is over.
@shared_task(name="payments.tasks.autocharge_retries")
def autocharge_retries() -> int:
    return services.autocharge_retries_queue()


def _owners(workspace: Workspace) -> list[str]:
    return list(
        workspace.memberships.filter(role__in=[Role.OWNER, Role.ADMIN]).values_list(
            "user__email", flat=True
        )
    )


@shared_task(name="payments.tasks.autocharge_failed_notify", acks_late=True)
@workspace_task
def autocharge_failed_notify(*, workspace: Workspace, payment_id: int) -> int:
    """Tell the client (with the link to pay) and the professional that a saved card was
    declined. Sent at most once per attempt: the payment row is marked under its lock."""
    from django.db import transaction

    from invoicing.delivery import public_url
    from invoicing.services.links import invoice_link_current, invoice_link_issue

    with transaction.atomic():
        payment = (
            CardPayment.objects.select_for_update(of=("self",))
            .select_related("invoice__client")
            .filter(pk=payment_id)
            .first()
        )
        if payment is None or payment.failure_notified_at is not None:
            return 0
        invoice = payment.invoice
        token = invoice_link_current(invoice) or invoice_link_issue(invoice=invoice, actor=None)
        context = {
            "workspace": workspace,
            "invoice": invoice,
            "payment": payment,
            "link": public_url(token),
            "retries_left": max(0, 3 - payment.attempt),
        }
        sent = 0
        client_email = (invoice.snapshot.get("to") or {}).get("email") or invoice.client.email
        if client_email:
            sent += send_mail(
                f"Your card was declined for invoice {invoice.number}",
                render_to_string("payments/email/autocharge_failed_client.txt", context),
                None,
                [client_email],
            )
        owners = _owners(workspace)
        if owners:
            sent += send_mail(
                f"Auto-charge declined: invoice {invoice.number}",
                render_to_string("payments/email/autocharge_failed_owner.txt", context),
                None,
                owners,
            )
        payment.failure_notified_at = timezone.now()
        payment.save(update_fields=["failure_notified_at"])
        return sent


@shared_task(name="payments.tasks.payout_failed_notify", acks_late=True)
@workspace_task
def payout_failed_notify(*, workspace: Workspace, payout_id: int) -> int:
    """Tell the owners and admins that a payout failed and its money is back in the
    Stripe balance; once (the payout row is marked under its lock)."""
    from django.db import transaction

    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(pk=payout_id).first()
        owners = _owners(workspace)
        if payout is None or payout.failure_notified_at is not None or not owners:
            return 0
        sent = send_mail(
            f"A Stripe payout of {format_money(payout.amount, payout.currency)} failed",
            render_to_string(
                "payments/email/payout_failed.txt", {"workspace": workspace, "payout": payout}
            ),
            None,
            owners,
        )
        payout.failure_notified_at = timezone.now()
        payout.save(update_fields=["failure_notified_at"])
        return sent
