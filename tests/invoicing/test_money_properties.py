"""Property-based: random sequences of money events in JPY, USD and KWD keep the ledger
and the money rows in agreement (`ledger_check`) after every step, and never create or
lose a minor unit. Refused steps (paying a void invoice, crediting too much…) are part of
the sequences: a refusal must leave everything as it was."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tenancy import workspace_scope
from core.money import quantize
from invoicing import services
from invoicing.models import Allocation, Invoice, LateFeePolicy, Receipt
from ledger.balances import balance
from ledger.checks import run_checks
from ledger.models import Entry
from payments.shares import Split, payment_split, refund_split
from tests.factories import ClientFactory

CURRENCIES = ["JPY", "USD", "KWD"]
MINOR = {"JPY": D("1"), "USD": D("0.01"), "KWD": D("0.001")}

# One step: an operation, which invoice/receipt it targets (an index, wrapped), and a
# fraction for the amount (0 < f ≤ 2: partial, full, over).
fraction = st.sampled_from(["0.001", "0.17", "0.5", "0.999", "1", "1.3", "2"]).map(D)
step = st.tuples(
    st.sampled_from(
        [
            "finalise",
            "pay",
            "overpay",
            "reverse",
            "reverse",
            "credit_note",
            "apply_credit",
            "void",
            "write_off",
            "late_fee",
            "card_pay",
            "card_refund",
            "card_refund",
        ]
    ),
    st.integers(min_value=0, max_value=50),
    fraction,
)


def _snapshot(workspace):
    return (
        list(Entry.objects.values_list("pk", flat=True).order_by("pk")),
        list(Allocation.objects.values_list("pk", flat=True).order_by("pk")),
    )


@pytest.mark.slow
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    currency=st.sampled_from(CURRENCIES),
    amounts=st.lists(
        st.decimals(min_value=D("0.001"), max_value=D("99999"), places=3), min_size=1, max_size=4
    ),
    steps=st.lists(step, min_size=1, max_size=14),
)
def test_random_money_sequences_keep_the_ledger_whole(personas, currency, amounts, steps):
    p = personas
    today = dt.date(2026, 11, 24)
    with workspace_scope(p.a):
        LateFeePolicy.objects.update_or_create(
            workspace=p.a, defaults={"kind": "fixed", "fixed_amount": D("7.5")}
        )
        client = ClientFactory(workspace=p.a, currency=currency)
        invoices: list[Invoice] = []
        receipts: list[Receipt] = []
        # Card payments as payments records them (their split kept beside them).
        card: list[tuple[Receipt, Split]] = []

        def finalise(amount):
            draft = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
            services.invoice_line_save(
                invoice=draft,
                actor=p.alice,
                description="Work",
                quantity=D(1),
                unit_price=max(quantize(amount, currency), MINOR[currency]),
            )
            invoices.append(
                services.invoice_finalize(
                    invoice=draft, actor=p.alice, issue_date=today - dt.timedelta(days=60)
                )
            )

        for amount in amounts:
            finalise(amount)
        for op, index, f in steps:
            inv = Invoice.objects.get(pk=invoices[index % len(invoices)].pk)
            before = _snapshot(p.a)
            try:
                with transaction.atomic():
                    if op == "finalise":
                        finalise(amounts[index % len(amounts)] * f)
                    elif op in ("pay", "overpay"):
                        factor = f + 1 if op == "overpay" else f
                        amount = max(quantize(inv.amount_due * factor, currency), MINOR[currency])
                        receipts.append(
                            services.receipt_record(
                                invoice=inv,
                                actor=p.alice,
                                amount=amount,
                                received_on=today,
                                method="bank_transfer",
                            )
                        )
                    elif op == "reverse" and receipts:
                        # The latest receipts first: they are the ones other steps built on.
                        services.receipt_reverse(
                            receipt=receipts[-1 - index % len(receipts)], actor=p.alice, reason="x"
                        )
                    elif op == "credit_note":
                        left = inv.total - services.credited_total(inv)
                        amount = quantize(left * min(f, D(1)), currency)
                        services.credit_note_create(
                            invoice=inv, actor=p.alice, amount=amount, reason="x"
                        )
                    elif op == "apply_credit":
                        services.client_credit_apply(invoice=inv, actor=p.alice)
                    elif op == "void":
                        services.invoice_void(invoice=inv, actor=p.alice)
                    elif op == "write_off":
                        services.invoice_mark_uncollectible(invoice=inv, actor=p.alice)
                    elif op == "late_fee":
                        fee = services.invoice_late_fee_charge(
                            invoice=inv, actor=p.alice, today=today
                        )
                        invoices.append(fee)
                    elif op == "card_pay":
                        amount = max(quantize(inv.amount_due * f, currency), MINOR[currency])
                        split = payment_split(
                            amount=amount,
                            currency=currency,
                            invoice_total=inv.total,
                            contribution=D(0),
                            own_percent=D(index % 20),
                        )
                        receipt = services.receipt_record(
                            invoice=inv,
                            actor=None,
                            amount=amount,
                            received_on=today,
                            method="stripe",
                            settled_to={
                                "stripe_balance": split.landed,
                                "stripe_fees": split.processing_fee,
                                "benefits_custody": split.benefits_share,
                            },
                            whatever_its_state=True,
                        )
                        card.append((receipt, split))
                    elif op == "card_refund" and card:
                        receipt, split = card[-1 - index % len(card)]
                        before_refunds = -sum(
                            (r.amount for r in Receipt.objects.filter(refund_of=receipt)), D(0)
                        )
                        amount = max(
                            quantize((receipt.amount - before_refunds) * min(f, D(1)), currency),
                            MINOR[currency],
                        )
                        back = refund_split(
                            payment=split,
                            currency=currency,
                            refunded_before=before_refunds,
                            amount=min(amount, receipt.amount - before_refunds),
                        )
                        services.receipt_refund(
                            receipt=receipt,
                            amount=amount,
                            on=today,
                            reason="x",
                            settled_from={
                                "stripe_balance": back.landed,
                                "stripe_fees": back.processing_fee,
                                "benefits_custody": back.benefits_share,
                            },
                        )
            except ValidationError:
                assert _snapshot(p.a) == before, f"a refused {op} changed money rows"
            problems = run_checks(p.a)
            assert problems == [], "\n".join(map(str, problems)) + f"\nafter {op}"

        # No minor unit created or lost: every stored amount is whole minor units, cash
        # is exactly what was received, and received money is on invoices or in credit.
        step_ = MINOR[currency]
        for amount in Entry.objects.filter(currency=currency).values_list("amount", flat=True):
            assert amount % step_ == 0
        # (Hypothesis's examples share the test's transaction: cash is the workspace's.)
        all_received = sum(
            (r.amount for r in Receipt.objects.filter(currency=currency).exclude(method="stripe")),
            D(0),
        )
        assert balance(workspace=p.a, code="cash", currency=currency) == all_received
        received = sum((r.amount for r in Receipt.objects.filter(client=client)), D(0))
        from_receipts = sum(
            (a.amount for a in Allocation.objects.filter(client=client, receipt__isnull=False)),
            D(0),
        )
        assert from_receipts == received
