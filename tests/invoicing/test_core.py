"""Invoice arithmetic, gapless numbering under concurrency, lifecycle, payments, credit."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tenancy import workspace_scope
from engagements import services as work
from engagements.billing import unbilled_items
from engagements.models import PayModel
from invoicing import services
from invoicing.models import Allocation, Invoice, InvoiceLine, Receipt, TaxRate
from invoicing.totals import late_fee, line_amounts
from tests.factories import ClientFactory

TODAY = dt.date(2026, 11, 24)
S = Invoice.Status


@pytest.fixture
def scoped(personas):
    with workspace_scope(personas.a):
        yield personas


def draft(p, currency="USD", **client_kwargs):
    client = ClientFactory(workspace=p.a, currency=currency, **client_kwargs)
    return services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)


def add(p, invoice, description="Work", quantity="1", unit_price="100", **kw):
    return services.invoice_line_save(
        invoice=invoice,
        actor=p.alice,
        description=description,
        quantity=D(quantity),
        unit_price=D(unit_price),
        **kw,
    )


# --- Arithmetic in several currencies --------------------------------------------------------
@pytest.mark.parametrize(
    ("currency", "quantity", "price", "discount", "tax", "inclusive", "expected"),
    [
        # net, tax, total
        ("USD", "3", "33.335", "0", "10", False, ("100.01", "10.00", "110.01")),
        ("EUR", "1", "100", "15", "21", False, ("85.00", "17.85", "102.85")),
        ("EUR", "1", "121", "0", "21", True, ("121.00", "21.00", "121.00")),
        ("JPY", "3", "333.5", "0", "10", False, ("1001", "100", "1101")),
        ("JPY", "1", "1000", "0", "8", True, ("1000", "74", "1000")),
        ("KWD", "2", "1.2345", "0", "5", False, ("2.469", "0.123", "2.592")),
        ("KWD", "1", "10", "12.5", "0", False, ("8.750", "0.000", "8.750")),
    ],
)
def test_line_amounts(currency, quantity, price, discount, tax, inclusive, expected):
    a = line_amounts(
        quantity=D(quantity),
        unit_price=D(price),
        discount_percent=D(discount),
        tax_percent=D(tax),
        tax_inclusive=inclusive,
        currency=currency,
    )
    assert (str(a.net), str(a.tax), str(a.total)) == expected


def test_invoice_totals_are_the_sum_of_rounded_lines(scoped):
    vat = TaxRate.objects.create(workspace=scoped.a, name="VAT", percent=D("20"))
    invoice = draft(scoped, "EUR")
    add(scoped, invoice, quantity="1", unit_price="0.015", tax_rate=vat)
    add(scoped, invoice, quantity="1", unit_price="0.015", tax_rate=vat)
    add(scoped, invoice, quantity="2", unit_price="10", discount_percent=D("10"))
    invoice.refresh_from_db()
    # 0.02 + 0.02 + 18.00; tax 0.00 + 0.00 (0.004 each rounds to 0.00)
    assert (invoice.subtotal, invoice.tax_total, invoice.discount_total, invoice.total) == (
        D("18.04"),
        D("0.00"),
        D("2.00"),
        D("18.04"),
    )
    # A later change to the tax rate does not change lines already computed on finalise.
    services.invoice_finalize(invoice=invoice, actor=scoped.alice, issue_date=TODAY)
    vat.percent = D("25")
    vat.save()
    line = invoice.lines.filter(tax_rate=vat).first()
    assert line.tax_percent == D("20")


def test_another_workspaces_tax_rate_is_refused(scoped):
    theirs = TaxRate.objects.model(workspace=scoped.b, name="X", percent=D("5"))
    from django_scopes import scopes_disabled

    with scopes_disabled():
        theirs.save()
    invoice = draft(scoped)
    with pytest.raises(ValidationError):
        add(scoped, invoice, tax_rate=theirs)


# --- Numbering -----------------------------------------------------------------------------
def test_numbers_are_assigned_on_finalise_in_order(scoped):
    first, second = draft(scoped), draft(scoped)
    add(scoped, first)
    add(scoped, second)
    assert first.number == ""
    services.invoice_finalize(invoice=second, actor=scoped.alice, issue_date=TODAY)
    services.invoice_finalize(invoice=first, actor=scoped.alice, issue_date=TODAY)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.number, first.number) == ("INV-0001", "INV-0002")
    # Finalising again changes nothing.
    again = services.invoice_finalize(invoice=first, actor=scoped.alice)
    assert again.number == "INV-0002"


def test_empty_draft_cannot_be_finalised_and_keeps_no_number(scoped):
    invoice = draft(scoped)
    with pytest.raises(ValidationError):
        services.invoice_finalize(invoice=invoice, actor=scoped.alice)
    other = draft(scoped)
    add(scoped, other)
    assert services.invoice_finalize(invoice=other, actor=scoped.alice).number == "INV-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_finalisation_is_gapless(personas):
    """Twelve drafts finalised by twelve threads at once: numbers 1–12, no gap, no repeat."""
    with workspace_scope(personas.a):
        drafts = []
        for _ in range(12):
            invoice = draft(personas)
            add(personas, invoice)
            drafts.append(invoice)
    barrier = threading.Barrier(12)
    errors = []

    def finalise(invoice):
        try:
            with workspace_scope(personas.a):
                barrier.wait()
                services.invoice_finalize(invoice=invoice, actor=personas.alice, issue_date=TODAY)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalise, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with workspace_scope(personas.a):
        numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-{n:04d}" for n in range(1, 13)]


def test_each_workspace_has_its_own_series(scoped):
    from django_scopes import scopes_disabled

    mine = draft(scoped)
    add(scoped, mine)
    services.invoice_finalize(invoice=mine, actor=scoped.alice)
    with workspace_scope(scoped.b):
        client = ClientFactory(workspace=scoped.b)
        theirs = services.invoice_create_draft(
            workspace=scoped.b, actor=scoped.charlie, client=client
        )
        services.invoice_line_save(
            invoice=theirs, actor=scoped.charlie, description="x", quantity=D(1), unit_price=D(5)
        )
        services.invoice_finalize(invoice=theirs, actor=scoped.charlie)
    with scopes_disabled():
        assert {i.number for i in Invoice.objects.all()} == {"INV-0001"}


# --- Frozen after finalise, void -------------------------------------------------------------
def test_finalised_content_is_frozen(scoped):
    invoice = draft(scoped)
    line = add(scoped, invoice)
    services.invoice_finalize(invoice=invoice, actor=scoped.alice)
    with pytest.raises(ValidationError):
        add(scoped, invoice)
    with pytest.raises(ValidationError):
        services.invoice_line_save(
            invoice=invoice, actor=scoped.alice, line=line, description="changed"
        )
    with pytest.raises(ValidationError):
        services.invoice_update_draft(invoice=invoice, actor=scoped.alice, notes="x")


def test_void_keeps_the_number_and_releases_the_work(scoped):
    client = ClientFactory(workspace=scoped.a, currency="USD")
    hourly = work.engagement_create(
        workspace=scoped.a,
        actor=scoped.alice,
        client=client,
        pay_model=PayModel.HOURLY,
        name="h",
        hourly_rate=D("100"),
        start_date=dt.date(2026, 1, 1),
        benefits_contribution_percent=D("4"),
    )
    work.time_entry_save(
        engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 2), minutes=90
    )
    work.time_entry_save(
        engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 3), minutes=30
    )
    invoice = services.invoice_create_draft(workspace=scoped.a, actor=scoped.alice, client=client)
    lines = services.invoice_add_unbilled(
        invoice=invoice, actor=scoped.alice, engagement=hourly, as_of=TODAY
    )
    assert [(ln.kind, ln.quantity, ln.unit_price) for ln in lines] == [
        (InvoiceLine.Kind.WORK, D("2.0000"), D("100")),
        (InvoiceLine.Kind.BENEFITS, D("1"), D("8.00")),
    ]
    invoice.refresh_from_db()
    assert invoice.total == D("208.00")
    assert unbilled_items(hourly, as_of=TODAY) == []  # claimed by the draft
    # Another draft cannot bill the same work.
    other = services.invoice_create_draft(workspace=scoped.a, actor=scoped.alice, client=client)
    with pytest.raises(ValidationError):
        services.invoice_add_unbilled(
            invoice=other, actor=scoped.alice, engagement=hourly, as_of=TODAY
        )
    services.invoice_finalize(invoice=invoice, actor=scoped.alice)
    services.invoice_void(invoice=invoice, actor=scoped.alice, reason="wrong client")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (S.VOID, "INV-0001")
    assert len(unbilled_items(hourly, as_of=TODAY)) == 2  # billable again
    again = draft(scoped)
    add(scoped, again)
    assert services.invoice_finalize(invoice=again, actor=scoped.alice).number == "INV-0002"


def test_removing_a_work_line_from_a_draft_releases_its_items(scoped):
    client = ClientFactory(workspace=scoped.a, currency="USD")
    fixed = work.engagement_create(
        workspace=scoped.a,
        actor=scoped.alice,
        client=client,
        pay_model=PayModel.FIXED_FEE,
        name="f",
        start_date=dt.date(2026, 1, 1),
    )
    work.expense_save(
        engagement=fixed, actor=scoped.alice, date=TODAY, amount=D("40"), category="Travel"
    )
    invoice = services.invoice_create_draft(workspace=scoped.a, actor=scoped.alice, client=client)
    (line,) = services.invoice_add_unbilled(
        invoice=invoice, actor=scoped.alice, engagement=fixed, as_of=TODAY
    )
    services.invoice_line_delete(line=line, actor=scoped.alice)
    assert len(unbilled_items(fixed, as_of=TODAY)) == 1


# --- Payments and credit notes ---------------------------------------------------------------
@pytest.fixture
def open_invoice(scoped):
    invoice = draft(scoped)
    add(scoped, invoice, unit_price="1000")
    return services.invoice_finalize(invoice=invoice, actor=scoped.alice, issue_date=TODAY)


def test_partial_payments_then_overpayment_becomes_credit(scoped, open_invoice):
    services.receipt_record(
        invoice=open_invoice,
        actor=scoped.alice,
        amount=D("400"),
        received_on=TODAY,
        method="bank_transfer",
    )
    open_invoice.refresh_from_db()
    assert (open_invoice.status, open_invoice.amount_due) == (S.PARTIALLY_PAID, D("600.00"))
    services.receipt_record(
        invoice=open_invoice, actor=scoped.alice, amount=D("650"), received_on=TODAY, method="cash"
    )
    open_invoice.refresh_from_db()
    assert (open_invoice.status, open_invoice.amount_paid) == (S.PAID, D("1000.00"))
    assert services.client_credit_balance(client=open_invoice.client, currency="USD") == D("50")
    with pytest.raises(ValidationError):  # paid: nothing more to record
        services.receipt_record(
            invoice=open_invoice,
            actor=scoped.alice,
            amount=D("1"),
            received_on=TODAY,
            method="cash",
        )
    # The credit pays part of the client's next invoice.
    nxt = Invoice.objects.get(pk=draft_and_finalise(scoped, open_invoice.client, "120").pk)
    services.client_credit_apply(invoice=nxt, actor=scoped.alice)
    nxt.refresh_from_db()
    assert (nxt.amount_due, nxt.status) == (D("70.00"), S.PARTIALLY_PAID)
    assert services.client_credit_balance(client=nxt.client, currency="USD") == D("0")


def draft_and_finalise(p, client, price):
    invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
    add(p, invoice, unit_price=price)
    return services.invoice_finalize(invoice=invoice, actor=p.alice, issue_date=TODAY)


def test_bad_payment_amounts(scoped, open_invoice):
    for bad in (D("0"), D("-5")):
        with pytest.raises(ValidationError):
            services.receipt_record(
                invoice=open_invoice,
                actor=scoped.alice,
                amount=bad,
                received_on=TODAY,
                method="cash",
            )
    assert Receipt.objects.count() == 0


def test_payment_reversal_is_a_new_entry(scoped, open_invoice):
    payment = services.receipt_record(
        invoice=open_invoice, actor=scoped.alice, amount=D("1000"), received_on=TODAY, method="cash"
    )
    services.receipt_reverse(receipt=payment, actor=scoped.alice, reason="bounced")
    open_invoice.refresh_from_db()
    assert (open_invoice.status, open_invoice.amount_paid) == (S.OPEN, D("0.00"))
    assert list(Receipt.objects.order_by("pk").values_list("amount", flat=True)) == [
        D("1000.000"),
        D("-1000.000"),
    ]
    with pytest.raises(ValidationError):
        services.receipt_reverse(receipt=payment, actor=scoped.alice, reason="again")


def test_partial_then_full_credit_note(scoped, open_invoice):
    note = services.credit_note_create(
        invoice=open_invoice, actor=scoped.alice, amount=D("250"), reason="Scope reduced"
    )
    assert (note.kind, note.number, note.total) == ("credit_note", "CN-0001", D("250.00"))
    open_invoice.refresh_from_db()
    assert (open_invoice.amount_due, open_invoice.status) == (D("750.00"), S.PARTIALLY_PAID)
    with pytest.raises(ValidationError):
        services.credit_note_create(
            invoice=open_invoice, actor=scoped.alice, amount=D("800"), reason="too much"
        )
    services.credit_note_create(invoice=open_invoice, actor=scoped.alice, reason="Cancelled")
    open_invoice.refresh_from_db()
    assert (open_invoice.amount_due, open_invoice.status) == (D("0.00"), S.PAID)


def test_credit_note_on_a_paid_invoice_becomes_client_credit(scoped, open_invoice):
    services.receipt_record(
        invoice=open_invoice,
        actor=scoped.alice,
        amount=D("1000"),
        received_on=TODAY,
        method="bank_transfer",
    )
    services.credit_note_create(
        invoice=open_invoice,
        actor=scoped.alice,
        amount=D("100"),
        reason="Discount agreed after payment",
    )
    assert services.client_credit_balance(client=open_invoice.client, currency="USD") == D("100")
    assert Allocation.objects.filter(kind="credit_note_excess").count() == 1


def test_void_refused_with_payments(scoped, open_invoice):
    services.receipt_record(
        invoice=open_invoice, actor=scoped.alice, amount=D("10"), received_on=TODAY, method="cash"
    )
    with pytest.raises(ValidationError):
        services.invoice_void(invoice=open_invoice, actor=scoped.alice)


def test_payment_in_foreign_currency_records_base_value_at_payment_date(scoped):
    eur = draft(scoped, "EUR")
    add(scoped, eur, unit_price="100")
    services.invoice_finalize(invoice=eur, actor=scoped.alice, issue_date=TODAY)
    services.exchange_rate_save(
        workspace=scoped.a,
        actor=scoped.alice,
        currency="EUR",
        date=dt.date(2026, 11, 1),
        rate=D("1.08"),
    )
    services.exchange_rate_save(
        workspace=scoped.a,
        actor=scoped.alice,
        currency="EUR",
        date=dt.date(2026, 11, 20),
        rate=D("1.10"),
    )
    payment = services.receipt_record(
        invoice=eur,
        actor=scoped.alice,
        amount=D("100"),
        received_on=dt.date(2026, 11, 19),
        method="bank_transfer",
    )
    assert (payment.rate_to_base, payment.base_amount) == (D("1.08"), D("108.00"))


# --- Late fees -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "days", "expected"),
    [
        ("fixed", 3, "0"),
        ("fixed", 10, "25.00"),
        ("interest", 30, "8.22"),
        ("interest", 5, "0"),
        ("none", 90, "0"),
    ],
)
def test_late_fee(kind, days, expected):
    fee = late_fee(
        kind=kind,
        overdue=D("1000"),
        days_late=days,
        fixed_amount=D("25"),
        annual_percent=D("10"),
        grace_days=7,
        currency="USD",
    )
    assert fee == D(expected)


def test_line_positions_count_up_one_by_one(scoped):
    invoice = draft(scoped)
    for n in range(40):  # positions once doubled with each line and overflowed at 32
        line = add(scoped, invoice, description=f"Line {n}", unit_price="1")
    assert line.position == 40 and line.total_amount == D("1.00")  # fresh amounts returned


def test_payment_method_must_be_known_and_void_refused_after_credit(scoped, open_invoice):
    with pytest.raises(ValidationError):
        services.receipt_record(
            invoice=open_invoice,
            actor=scoped.alice,
            amount=D("1"),
            received_on=TODAY,
            method="bitcoin",
        )
    services.credit_note_create(
        invoice=open_invoice, actor=scoped.alice, amount=D("10"), reason="x"
    )
    with pytest.raises(ValidationError):
        services.invoice_void(invoice=open_invoice, actor=scoped.alice)
