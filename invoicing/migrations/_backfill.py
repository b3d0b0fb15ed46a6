"""Data migration helper (0004): post to the ledger what already happened, as the services
now post it (invoicing/postings.py): each finalised invoice, each voided one's mirror,
each receipt with its allocations, each credit note, each move of client credit and each
write-off. Run once on existing data; `ledger_check` must be clean afterwards."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

ZERO = Decimal(0)
INCOME = {"late_fee": "late_fees"}


def backfill_ledger(apps, schema_editor):  # noqa: C901 (one linear backfill)
    from ledger.chart import CHART

    Invoice = apps.get_model("invoicing", "Invoice")
    InvoiceLine = apps.get_model("invoicing", "InvoiceLine")
    InvoiceEvent = apps.get_model("invoicing", "InvoiceEvent")
    Receipt = apps.get_model("invoicing", "Receipt")
    Allocation = apps.get_model("invoicing", "Allocation")
    Account = apps.get_model("ledger", "Account")
    Txn = apps.get_model("ledger", "LedgerTransaction")
    Entry = apps.get_model("ledger", "Entry")
    db = schema_editor.connection.alias
    accounts: dict[tuple, int] = {}

    def account(ws: int, code: str, party: str, currency: str) -> int:
        key = (ws, code, party, currency)
        if key not in accounts:
            spec = CHART[code]
            found, _ = Account._base_manager.using(db).get_or_create(
                workspace_id=ws,
                code=code,
                party=party,
                currency=currency,
                defaults={"type": str(spec.type), "name": spec.name},
            )
            accounts[key] = found.pk
        return accounts[key]

    # Once per workspace: one that already has invoicing's postings is left alone, so
    # migrating back and forth never posts twice.
    posted = set(
        Txn._base_manager.using(db)
        .filter(kind__in=["invoice.finalize", "receipt", "credit_note"])
        .values_list("workspace_id", flat=True)
    )

    def post(ws, kind, on, legs, ref="", memo="", reverses=None):
        legs = [leg for leg in legs if leg[1] != 0]
        if not legs or ws in posted:
            return None
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for _code, amount, currency, _party, _doc in legs:
            sums[currency] += amount
        assert all(v == 0 for v in sums.values()), (kind, ref, legs)
        txn = Txn(workspace_id=ws, kind=kind, date=on, ref=ref, memo=memo[:200], reverses=reverses)
        txn.save(using=db)
        Entry._base_manager.using(db).bulk_create(
            Entry(
                workspace_id=ws,
                transaction=txn,
                account_id=account(ws, code, party, currency),
                amount=amount,
                currency=currency,
                document=doc,
            )
            for code, amount, currency, party, doc in legs
        )
        return txn

    def alloc_legs(rows, sign=-1):
        legs = []
        for a in rows:
            party = f"client:{a.client_id}"
            if a.invoice_id is None:
                legs.append(("client_credit", sign * a.amount, a.currency, party, ""))
            else:
                legs.append(
                    ("receivable", sign * a.amount, a.currency, party, f"invoice:{a.invoice_id}")
                )
        return legs

    lines = defaultdict(list)
    for line in InvoiceLine._base_manager.using(db).all():
        lines[line.invoice_id].append(line)
    invoices = Invoice._base_manager.using(db).exclude(status="draft").order_by("pk")
    for inv in invoices.filter(kind="invoice"):
        cur, doc = inv.currency, f"invoice:{inv.pk}"
        income: dict[str, Decimal] = defaultdict(lambda: ZERO)
        tax = ZERO
        for line in lines[inv.pk]:
            income[INCOME.get(line.kind, "revenue")] += line.total_amount - line.tax_amount
            tax += line.tax_amount
        legs = [("receivable", inv.total, cur, f"client:{inv.client_id}", doc)]
        legs.append(("tax_payable", -tax, cur, "", ""))
        legs += [(code, -amount, cur, "", "") for code, amount in sorted(income.items())]
        txn = post(
            inv.workspace_id, "invoice.finalize", inv.issue_date, legs, doc, f"Invoice {inv.number}"
        )
        if inv.status == "void" and txn is not None:
            mirror = [(c, -a, cu, p, d) for c, a, cu, p, d in legs]
            on = inv.voided_at.date() if inv.voided_at else inv.issue_date
            post(
                inv.workspace_id,
                "invoice.void",
                on,
                mirror,
                doc,
                f"Void {inv.number}",
                reverses=txn,
            )
        if inv.amount_written_off:
            marked = (
                InvoiceEvent._base_manager.using(db)
                .filter(invoice_id=inv.pk, kind="uncollectible")
                .order_by("pk")
                .first()
            )
            post(
                inv.workspace_id,
                "invoice.write_off",
                marked.at.date() if marked else inv.issue_date,
                [
                    ("write_offs", inv.amount_written_off, cur, "", ""),
                    ("receivable", -inv.amount_written_off, cur, f"client:{inv.client_id}", doc),
                ],
                doc,
                f"Written off {inv.number}",
            )

    allocations = list(Allocation._base_manager.using(db).order_by("created_at", "pk"))
    by_receipt = defaultdict(list)
    by_note = defaultdict(list)
    moves = defaultdict(list)
    for a in allocations:
        if a.kind in ("payment", "overpayment") or (
            a.kind == "reversal" and a.receipt_id and a.receipt.amount < 0
        ):
            by_receipt[a.receipt_id].append(a)
        elif a.kind in ("credit_note", "credit_note_excess"):
            by_note[a.credit_note_id].append(a)
        else:  # credit moved between the client's credit and an invoice
            moves[(a.workspace_id, a.created_at, a.receipt_id, a.credit_note_id)].append(a)
    for r in Receipt._base_manager.using(db).order_by("pk"):
        legs = [("cash", r.amount, r.currency, "", ""), *alloc_legs(by_receipt[r.pk])]
        kind = "receipt.reverse" if r.reverses_id else "receipt"
        post(r.workspace_id, kind, r.received_on, legs, f"receipt:{r.pk}", r.reference)
    for note in invoices.filter(kind="credit_note"):
        legs = [("credit_notes", note.total, note.currency, "", ""), *alloc_legs(by_note[note.pk])]
        post(
            note.workspace_id,
            "credit_note",
            note.issue_date,
            legs,
            f"invoice:{note.pk}",
            f"Credit note {note.number}",
        )
    for (ws, at, _r, _n), rows in moves.items():
        target = next((a.invoice_id for a in rows if a.invoice_id), None)
        post(ws, "credit.apply", at.date(), alloc_legs(rows), f"invoice:{target}" if target else "")
