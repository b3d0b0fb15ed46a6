"""Receipts and allocations: money received is counted once, where it went is explicit,
and a reversal takes back everything that came from it (issue #8, defects 1 and 2).
Every test here ends with `ledger_check` clean (the suite's fixture)."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Allocation, Invoice, Receipt
from invoicing.selectors import income_received
from ledger.balances import balance
from ledger.checks import run_checks
from tests.api import url
from tests.factories import ClientFactory

S = Invoice.Status


@pytest.fixture
def p(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def acme(p):
    return ClientFactory(workspace=p.a, currency="USD", name="Acme")


def invoice(p, client, amount, *, issue_date=None):
    draft = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
    services.invoice_line_save(
        invoice=draft, actor=p.alice, description="Work", quantity=D(1), unit_price=D(amount)
    )
    return services.invoice_finalize(invoice=draft, actor=p.alice, issue_date=issue_date)


def pay(p, inv, amount, on=None):
    return services.receipt_record(
        invoice=inv,
        actor=p.alice,
        amount=D(amount),
        received_on=on or p.a.today(),
        method="bank_transfer",
    )


def credit(client):
    return services.client_credit_balance(client=client, currency=client.currency)


def fresh(inv):
    return Invoice.objects.get(pk=inv.pk)


def test_a_receipt_keeps_everything_received_and_says_where_it_went(p, acme):
    a = invoice(p, acme, "1000")
    receipt = pay(p, a, "1500")
    assert receipt.amount == D("1500")
    assert sorted((x.kind, x.invoice_id, x.amount) for x in receipt.allocations.all()) == [
        ("overpayment", None, D("500")),
        ("payment", a.pk, D("1000")),
    ]
    assert (fresh(a).status, fresh(a).amount_paid, credit(acme)) == (S.PAID, D("1000"), D("500"))
    assert balance(workspace=p.a, code="cash", currency="USD") == D("1500")
    assert balance(
        workspace=p.a, code="client_credit", currency="USD", party=f"client:{acme.pk}"
    ) == D("-500")


def test_reversing_an_overpayment_takes_back_its_credit_even_when_spent(p, acme):
    """Defect 1: the 500 of credit from a reversed 1,500 stayed and paid another invoice
    with money never received."""
    a = invoice(p, acme, "1000")
    receipt = pay(p, a, "1500")
    b = invoice(p, acme, "300")
    assert services.client_credit_apply(invoice=b, actor=p.alice) == D("300")
    assert fresh(b).status == S.PAID and credit(acme) == D("200")

    services.receipt_reverse(receipt=receipt, actor=p.alice, reason="bounced")

    a, b = fresh(a), fresh(b)
    assert (a.status, a.amount_due) == (S.OPEN, D("1000"))
    assert (b.status, b.amount_due) == (S.OPEN, D("300"))  # reopened: its credit never existed
    assert credit(acme) == 0
    assert b.events.filter(kind="credit_withdrawn").exists()
    # Nothing of it left anywhere: the receipt and its reversal net to zero.
    assert sum(r.amount for r in Receipt.objects.filter(client=acme)) == 0
    assert balance(workspace=p.a, code="cash", currency="USD") == 0
    with pytest.raises(ValidationError):
        services.receipt_reverse(receipt=receipt, actor=p.alice, reason="again")


def test_reversing_the_payment_of_a_credited_invoice_gives_the_credit_note_back_to_it(p, acme):
    """Defect 1, second case: a paid invoice got a credit note (its credit went to the
    client); reversing the payment left that credit spendable."""
    c = invoice(p, acme, "800")
    receipt = pay(p, c, "800")
    services.credit_note_create(invoice=c, actor=p.alice, amount=D("200"), reason="discount")
    assert credit(acme) == D("200")

    services.receipt_reverse(receipt=receipt, actor=p.alice, reason="recorded twice")

    c = fresh(c)
    assert (c.status, c.amount_due, c.amount_credited) == (S.PARTIALLY_PAID, D("600"), D("200"))
    assert credit(acme) == 0


def test_income_counts_receipts_once_never_allocations(p, acme):
    """Defect 2: income showed 1,000 of a 1,500 receipt, and never counted the 500 when it
    was applied later."""
    today = p.a.today()
    a = invoice(p, acme, "1000")
    receipt = pay(p, a, "1500", on=today)
    assert income_received(base_currency="USD", today=today).month == D("1500")
    b = invoice(p, acme, "500")
    services.client_credit_apply(invoice=b, actor=p.alice)
    assert fresh(b).status == S.PAID
    assert income_received(base_currency="USD", today=today).month == D("1500")
    services.receipt_reverse(receipt=receipt, actor=p.alice, reason="bounced", on=today)
    assert income_received(base_currency="USD", today=today).month == 0


def test_credit_is_spent_oldest_first_and_each_source_stays_whole(p, acme):
    a = invoice(p, acme, "100")
    first = pay(p, a, "130")  # 30 credit
    b = invoice(p, acme, "100")
    second = pay(p, b, "150")  # 50 credit
    c = invoice(p, acme, "60")
    assert services.client_credit_apply(invoice=c, actor=p.alice) == D("60")
    taken = {x.receipt_id: x.amount for x in Allocation.objects.filter(invoice=c)}
    assert taken == {first.pk: D("30"), second.pk: D("30")}
    for r in (first, second):
        assert sum(x.amount for x in r.allocations.all()) == r.amount
    assert credit(acme) == D("20")


def test_credit_note_beyond_what_is_due_goes_to_credit_and_cannot_be_voided(p, acme):
    a = invoice(p, acme, "500")
    pay(p, a, "400")
    note = services.credit_note_create(invoice=a, actor=p.alice, amount=D("250"), reason="x")
    a = fresh(a)
    assert (a.status, a.amount_credited, credit(acme)) == (S.PAID, D("100"), D("150"))
    with pytest.raises(ValidationError):
        services.invoice_void(invoice=note, actor=p.alice)
    # Only what was not yet credited can be credited again, whatever went to credit.
    with pytest.raises(ValidationError):
        services.credit_note_create(invoice=a, actor=p.alice, amount=D("251"), reason="y")


def test_write_off_posts_the_remaining_due_and_a_void_takes_it_all_back(p, acme):
    a = invoice(p, acme, "400")
    services.invoice_mark_uncollectible(invoice=a, actor=p.alice)
    a = fresh(a)
    assert (a.amount_written_off, a.amount_due) == (D("400"), 0)
    assert balance(workspace=p.a, code="write_offs", currency="USD") == D("400")
    services.invoice_void(invoice=a, actor=p.alice)
    assert balance(workspace=p.a, code="write_offs", currency="USD") == 0
    assert balance(workspace=p.a, code="revenue", currency="USD") == 0
    assert run_checks(p.a) == []


def test_every_money_event_posts_one_balanced_transaction_in_its_own_database_transaction(p, acme):
    from ledger.models import LedgerTransaction

    a = invoice(p, acme, "1000")
    receipt = pay(p, a, "1200")
    b = invoice(p, acme, "100")
    services.client_credit_apply(invoice=b, actor=p.alice)
    services.credit_note_create(invoice=a, actor=p.alice, amount=D("50"), reason="r")
    services.receipt_reverse(receipt=receipt, actor=p.alice, reason="bounced")
    kinds = list(LedgerTransaction.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "invoice.finalize",
        "receipt",
        "invoice.finalize",
        "credit.apply",
        "credit_note",
        "receipt.reverse",
        "credit.return",
    ]
    assert run_checks(p.a) == []


def test_credit_applied_by_mistake_can_be_taken_back(p, acme):
    a = invoice(p, acme, "100")
    pay(p, a, "180")  # 80 credit
    b = invoice(p, acme, "50")
    services.client_credit_apply(invoice=b, actor=p.alice)
    assert (fresh(b).status, credit(acme)) == (S.PAID, D("30"))
    assert services.client_credit_unapply(invoice=b, actor=p.alice) == D("50")
    assert (fresh(b).status, fresh(b).amount_due, credit(acme)) == (S.OPEN, D("50"), D("80"))
    assert services.client_credit_unapply(invoice=b, actor=p.alice) == 0  # nothing left
    assert b.events.filter(kind="credit_unapplied").count() == 1


def test_taking_credit_back_on_the_page_and_the_api(client, api_as, p, acme):
    from django.urls import reverse

    a = invoice(p, acme, "100")
    pay(p, a, "300")
    b, c = invoice(p, acme, "60"), invoice(p, acme, "70")
    services.client_credit_apply(invoice=b, actor=p.alice)
    services.client_credit_apply(invoice=c, actor=p.alice)
    client.force_login(p.alice)
    page = reverse("invoicing:invoice_detail", args=[p.a.slug, b.pk])
    assert b"Take credit back" in client.get(page).content
    response = client.post(reverse("invoicing:invoice_credit_unapply", args=[p.a.slug, b.pk]))
    assert response.status_code == 302 and fresh(b).amount_due == D("60")
    assert b"Take credit back" not in client.get(page).content
    api = api_as(p.bob)
    body = api.post(url("invoices", c.pk, "unapply-credit")).json()
    assert (body["applied"], body["invoice"]["amount_due"]) == ("-70.00", "70.00")
    assert credit(acme) == D("200")
    # The accountant reads, never writes.
    andy = api_as(p.andy)
    assert andy.post(url("invoices", c.pk, "unapply-credit")).status_code == 403
