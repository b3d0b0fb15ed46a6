"""Data migration helper (0003): payments and client-credit rows become receipts and
allocations, replayed in the order they happened under the new rules:

- a payment (not from credit) is a receipt of what was applied plus the overpayment
  recorded with it (the client-credit row "Overpayment of …" on the same invoice);
- a credit note is allocated to its invoice, and beyond that (its "Credit note …" credit
  row) to the client's credit;
- credit applied (a payment by "credit") moves credit onto the invoice, oldest first;
- a reversal reverses everything allocated from its receipt, including credit already
  applied elsewhere (that is the defect the new model fixes: such invoices reopen).

Then each finalised invoice's paid and credited amounts and status are derived from the
allocations, and an uncollectible invoice's remaining due is recorded as written off."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

ZERO = Decimal(0)


def replay_payments(apps, schema_editor):  # noqa: C901 (one linear replay, read top to bottom)
    Payment = apps.get_model("invoicing", "Payment")
    ClientCredit = apps.get_model("invoicing", "ClientCredit")
    Invoice = apps.get_model("invoicing", "Invoice")
    Receipt = apps.get_model("invoicing", "Receipt")
    Allocation = apps.get_model("invoicing", "Allocation")
    db = schema_editor.connection.alias

    payments = list(
        Payment._base_manager.using(db).select_related("invoice").order_by("created_at", "pk")
    )
    credits = list(ClientCredit._base_manager.using(db).order_by("created_at", "pk"))
    notes = list(
        Invoice._base_manager.using(db)
        .filter(kind="credit_note")
        .exclude(status="draft")
        .order_by("finalized_at", "pk")
    )
    if not payments and not notes:
        return

    # Overpayments: the credit row created with (just after) its payment.
    excess: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for credit in credits:
        if credit.amount > 0 and credit.reason.startswith("Overpayment of"):
            match = [
                p
                for p in payments
                if p.invoice_id == credit.invoice_id
                and p.amount > 0
                and p.method != "credit"
                and p.created_at <= credit.created_at
            ]
            if match:
                excess[match[-1].pk] += credit.amount
    note_credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for credit in credits:
        if credit.amount > 0 and credit.reason.startswith("Credit note"):
            note_credit[credit.invoice_id] += credit.amount

    allocations: list = []  # every allocation made so far, in memory for the sums

    def allocate(*, receipt=None, note=None, invoice_id, amount, client_id, currency, kind, at):
        row = Allocation(
            workspace_id=(receipt or note).workspace_id,
            client_id=client_id,
            receipt=receipt,
            credit_note=note,
            invoice_id=invoice_id,
            amount=amount,
            currency=currency,
            kind=kind,
        )
        row.save(using=db)
        Allocation._base_manager.using(db).filter(pk=row.pk).update(created_at=at)
        allocations.append(row)
        return row

    def source_key(a):
        return ("r", a.receipt_id) if a.receipt_id else ("n", a.credit_note_id)

    reversed_receipts: set[int] = set()
    sources_at: dict[tuple, object] = {}  # source key -> (object, client, currency, order)

    def in_credit(key) -> Decimal:
        return sum(
            (a.amount for a in allocations if source_key(a) == key and a.invoice_id is None), ZERO
        )

    receipt_of: dict[int, object] = {}
    moved_by: dict[int, list[tuple[tuple, Decimal]]] = {}

    events = [(p.created_at, 0, p.pk, "payment", p) for p in payments]
    events += [(n.finalized_at or n.created_at, 1, n.pk, "note", n) for n in notes]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    for at, _, _, what, obj in events:
        if what == "note":
            note = obj
            target = Invoice._base_manager.using(db).get(pk=note.credits_id)
            to_credit = min(note_credit[note.pk], note.total)
            to_due = note.total - to_credit
            for invoice_id, amount, kind in (
                (target.pk, to_due, "credit_note"),
                (None, to_credit, "credit_note_excess"),
            ):
                if amount > 0:
                    allocate(
                        note=note,
                        invoice_id=invoice_id,
                        amount=amount,
                        client_id=note.client_id,
                        currency=note.currency,
                        kind=kind,
                        at=at,
                    )
            sources_at[("n", note.pk)] = (note, note.client_id, note.currency, at)
            continue
        p = obj
        client_id, currency = p.invoice.client_id, p.currency
        if p.method != "credit" and p.amount > 0:
            receipt = Receipt(
                workspace_id=p.workspace_id,
                client_id=client_id,
                invoice_id=p.invoice_id,
                amount=p.amount + excess[p.pk],
                currency=currency,
                received_on=p.received_on,
                method=p.method,
                reference=p.reference,
                rate_to_base=p.rate_to_base,
                base_amount=(
                    (p.base_amount * (p.amount + excess[p.pk]) / p.amount).quantize(p.base_amount)
                    if p.base_amount is not None and excess[p.pk]
                    else p.base_amount
                ),
                recorded_by_id=p.recorded_by_id,
            )
            receipt.save(using=db)
            Receipt._base_manager.using(db).filter(pk=receipt.pk).update(created_at=p.created_at)
            receipt_of[p.pk] = receipt
            allocate(
                receipt=receipt,
                invoice_id=p.invoice_id,
                amount=p.amount,
                client_id=client_id,
                currency=currency,
                kind="payment",
                at=at,
            )
            if excess[p.pk]:
                allocate(
                    receipt=receipt,
                    invoice_id=None,
                    amount=excess[p.pk],
                    client_id=client_id,
                    currency=currency,
                    kind="overpayment",
                    at=at,
                )
            sources_at[("r", receipt.pk)] = (receipt, client_id, currency, at)
        elif p.method != "credit" and p.amount < 0 and p.reverses_id in receipt_of:
            original = receipt_of[p.reverses_id]
            reversal = Receipt(
                workspace_id=p.workspace_id,
                client_id=client_id,
                invoice_id=p.invoice_id,
                amount=-original.amount,
                currency=currency,
                received_on=p.received_on,
                method=original.method,
                reference=p.reference,
                reverses=original,
                rate_to_base=original.rate_to_base,
                base_amount=-original.base_amount if original.base_amount is not None else None,
                recorded_by_id=p.recorded_by_id,
            )
            reversal.save(using=db)
            Receipt._base_manager.using(db).filter(pk=reversal.pk).update(created_at=p.created_at)
            net: dict = defaultdict(lambda: ZERO)
            for a in allocations:
                if a.receipt_id == original.pk:
                    net[a.invoice_id] += a.amount
            for invoice_id, total in sorted(net.items(), key=lambda kv: kv[0] or 0):
                if total:
                    allocate(
                        receipt=reversal,
                        invoice_id=invoice_id,
                        amount=-total,
                        client_id=client_id,
                        currency=currency,
                        kind="reversal",
                        at=at,
                    )
            reversed_receipts.add(original.pk)
        elif p.method == "credit" and p.amount > 0:
            left, moved = p.amount, []
            order = sorted(
                (
                    v
                    for k, v in sources_at.items()
                    if v[1] == client_id
                    and v[2] == currency
                    and not (k[0] == "r" and k[1] in reversed_receipts)
                ),
                key=lambda v: (v[3], v[0].pk),
            )
            for source, *_ in order:
                key = ("r", source.pk) if isinstance(source, Receipt) else ("n", source.pk)
                take = min(in_credit(key), left)
                if take <= 0:
                    continue
                kw = {"receipt": source} if key[0] == "r" else {"note": source}
                allocate(
                    **kw,
                    invoice_id=None,
                    amount=-take,
                    client_id=client_id,
                    currency=currency,
                    kind="credit_applied",
                    at=at,
                )
                allocate(
                    **kw,
                    invoice_id=p.invoice_id,
                    amount=take,
                    client_id=client_id,
                    currency=currency,
                    kind="credit_applied",
                    at=at,
                )
                moved.append((key, kw, take))
                left -= take
                if left <= 0:
                    break
            moved_by[p.pk] = moved
        elif p.method == "credit" and p.amount < 0:
            for key, kw, take in moved_by.get(p.reverses_id, []):
                if key[0] == "r" and key[1] in reversed_receipts:
                    continue  # its reversal already took it back
                allocate(
                    **kw,
                    invoice_id=p.invoice_id,
                    amount=-take,
                    client_id=client_id,
                    currency=currency,
                    kind="reversal",
                    at=at,
                )
                allocate(
                    **kw,
                    invoice_id=None,
                    amount=take,
                    client_id=client_id,
                    currency=currency,
                    kind="reversal",
                    at=at,
                )

    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in allocations:
        if a.invoice_id:
            (paid if a.receipt_id else credited)[a.invoice_id] += a.amount
    for invoice in Invoice._base_manager.using(db).filter(kind="invoice").exclude(status="draft"):
        invoice.amount_paid = paid[invoice.pk]
        invoice.amount_credited = credited[invoice.pk]
        due = invoice.total - invoice.amount_paid - invoice.amount_credited
        if invoice.status in ("open", "partially_paid", "paid"):
            if due <= 0:
                invoice.status = "paid"
            elif invoice.amount_paid > 0 or invoice.amount_credited > 0:
                invoice.status = "partially_paid"
            else:
                invoice.status = "open"
        elif invoice.status == "uncollectible":
            invoice.amount_written_off = max(due, ZERO)
        invoice.save(
            using=db,
            update_fields=["amount_paid", "amount_credited", "amount_written_off", "status"],
        )
