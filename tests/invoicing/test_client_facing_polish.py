"""Issue #10, what the first user test tripped over on invoices: amounts prefilled in
exponent notation, summary cards that link to something else than they count, dead old
client links, the client link not shown after sending, a raw list on the timeline, the
wording of invoice lines, and an email that greets twice."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from engagements.models import PayModel
from invoicing import delivery, services
from invoicing.models import ExchangeRate, Invoice, InvoiceLine
from tests.factories import ClientFactory, EngagementFactory, TimeEntryFactory


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def alice(client, a):
    client.force_login(a.alice)
    return client


def url(p, name, *args):
    return reverse(name, args=[p.a.slug, *args])


def draft(p, price, *, currency="USD", client=None, description="Work"):
    client = client or ClientFactory(workspace=p.a, currency=currency, name="Acme Corp")
    invoice = services.invoice_create_draft(
        workspace=p.a, actor=p.alice, client=client, currency=currency
    )
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description=description, unit_price=D(price)
    )
    invoice.refresh_from_db()
    return invoice


def issued(p, price, **kw):
    return services.invoice_finalize(invoice=draft(p, price, **kw), actor=p.alice)


def field_value(body: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


# --- 1. No exponent notation where a Decimal meets a form or a page ---------------------------
def test_decimal_input_never_writes_exponents():
    from core.money import amount_input, decimal_input

    assert decimal_input(D("600000.00").normalize()) == "600000"
    assert decimal_input(D("600000.00"), 2) == "600000.00"
    assert decimal_input(D("33.3350"), 2) == "33.335"
    assert decimal_input(D("0.92350")) == "0.9235"
    assert decimal_input(D("0"), 2) == "0.00"
    assert amount_input(D("480"), "JPY") == "480"
    assert amount_input(D("4.8E+2"), "USD") == "480.00"
    assert amount_input(D("1000"), "KWD") == "1000.000"


def without_nonces(body: str) -> str:
    """The page without its CSP nonces: random base64, which may contain "E+" itself."""
    return re.sub(r'nonce="[^"]*"', 'nonce=""', body)


@pytest.mark.parametrize(
    ("price", "currency", "prefilled"),
    [("600000", "USD", "600000.00"), ("480", "USD", "480.00"), ("480", "JPY", "480")],
)
def test_payment_form_prefills_a_round_amount_due_as_digits(alice, a, price, currency, prefilled):
    invoice = issued(a, price, currency=currency)
    body = alice.get(url(a, "invoicing:invoice_detail", invoice.pk)).content.decode()
    assert field_value(body, "amount") == prefilled
    assert "E+" not in without_nonces(body)


def test_editing_a_line_prefills_its_numbers_as_digits(alice, a):
    invoice = draft(a, "600000")
    line = invoice.lines.get()
    body = alice.get(
        url(a, "invoicing:invoice_detail", invoice.pk) + f"?line={line.pk}"
    ).content.decode()
    assert field_value(body, "unit_price") == "600000.00"
    assert field_value(body, "quantity") == "1"
    assert "E+" not in without_nonces(body)


def test_exchange_rates_and_late_fee_show_round_figures_as_digits(alice, a):
    ExchangeRate.objects.create(
        workspace=a.a, currency="JPY", date=timezone.localdate(), rate=D("100")
    )
    body = alice.get(url(a, "invoicing:invoice_exchange_rates")).content.decode()
    assert "1E+2" not in without_nonces(body) and ">100<" in body


# --- 7. Each summary card links to exactly what it counts ------------------------------------
def test_outstanding_cards_link_to_what_they_count(alice, a):
    today = timezone.localdate()
    eur = ClientFactory(workspace=a.a, currency="EUR", name="Euro Client")
    on_time = issued(a, "100", currency="EUR", client=eur)
    late = issued(a, "40", currency="EUR", client=eur)
    Invoice.objects.filter(pk=late.pk).update(due_date=today - dt.timedelta(days=3))
    issued(a, "70", currency="USD")
    draft(a, "999", currency="EUR", client=eur)
    services.credit_note_create(invoice=on_time, actor=a.alice, amount=D("10"), reason="Goodwill")

    response = alice.get(url(a, "invoicing:invoice_list"))
    body = response.content.decode()
    cards = re.findall(r'<a class="card stat[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', body, re.S)
    assert len(cards) == 2, cards  # one per currency
    for href, card in cards:
        currency = re.search(r"Outstanding · ([A-Z]{3})", card).group(1)
        counted = next(r for r in response.context["outstanding"] if r.currency == currency)
        listed = alice.get(url(a, "invoicing:invoice_list") + href.replace("&amp;", "&"))
        rows = list(listed.context["page"].paginator.object_list)
        assert len(rows) == counted.count, (currency, href)
        assert sum(i.amount_due for i in rows) == counted.amount, (currency, href)
    eur_row = next(r for r in response.context["outstanding"] if r.currency == "EUR")
    assert eur_row.count == 2 and eur_row.overdue_count == 1


# --- 8. An old client link says it was replaced, and by whom to ask --------------------------
def test_a_replaced_link_says_so_and_names_the_business(client, a):
    invoice = issued(a, "100")
    old = services.invoice_link_issue(invoice=invoice, actor=a.alice)
    services.invoice_link_issue(invoice=invoice, actor=a.alice)
    response = client.get(reverse("invoicing:invoice_public", args=[old]))
    body = response.content.decode()
    assert response.status_code == 410
    assert "This link was replaced" in body
    assert "Alice Studio" in body and a.alice.email in body
    assert invoice.number not in body and "100.00" not in body  # nothing of the invoice
    assert 'class="topbar"' not in body and "Sign in" not in body and "dashboard" not in body
    # The PDF's old link too.
    assert client.get(reverse("invoicing:invoice_public_pdf", args=[old])).status_code == 410


def test_a_revoked_link_says_so(client, a):
    invoice = issued(a, "100")
    token = services.invoice_link_issue(invoice=invoice, actor=a.alice)
    services.invoice_link_revoke(invoice=invoice, actor=a.alice)
    response = client.get(reverse("invoicing:invoice_public", args=[token]))
    assert response.status_code == 410
    body = response.content.decode()
    assert "no longer works" in body and "Alice Studio" in body
    assert 'class="topbar"' not in body


def test_an_unknown_client_link_is_a_404_without_the_app_around_it(client, db):
    response = client.get(reverse("invoicing:invoice_public", args=["0" * 64]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "This link does not work" in body
    assert 'class="topbar"' not in body and "dashboard" not in body
    # A path under /i/ that no route matches is the same client-facing page.
    response = client.get("/i/")
    assert response.status_code == 404 and 'class="topbar"' not in response.content.decode()


# --- 9. The current client link can be copied at any time; recipients as text ----------------
def test_after_sending_the_link_is_shown_and_the_timeline_names_recipients(alice, a):
    invoice = issued(a, "100")
    delivery.invoice_send(invoice=invoice, actor=a.alice, to="billing@acme.example")
    invoice.refresh_from_db()
    token = services.invoice_link_current(invoice)
    assert token
    body = alice.get(url(a, "invoicing:invoice_detail", invoice.pk)).content.decode()
    link = "http://testserver" + reverse("invoicing:invoice_public", args=[token])
    assert f'value="{link}"' in body
    assert 'data-copy-target="client-link-url"' in body
    assert "To billing@acme.example" in body
    assert "[&#x27;" not in body and "['" not in body


def test_a_revoked_link_is_not_shown(alice, a):
    invoice = issued(a, "100")
    token = services.invoice_link_issue(invoice=invoice, actor=a.alice)
    services.invoice_link_revoke(invoice=invoice, actor=a.alice)
    body = alice.get(url(a, "invoicing:invoice_detail", invoice.pk)).content.decode()
    assert token not in body and 'id="client-link-url"' not in body


# --- 12. Lines say what the work was, in one date format, money formatted --------------------
@pytest.fixture
def hourly(a):
    client = ClientFactory(workspace=a.a, currency="USD", name="Acme Corp")
    engagement = EngagementFactory(
        workspace=a.a,
        client=client,
        name="Website redesign",
        pay_model=PayModel.HOURLY,
        hourly_rate=D("150"),
        currency="USD",
        benefits_contribution_percent=D("3"),
    )
    for day, minutes in ((1, 90), (2, 60)):
        TimeEntryFactory(engagement=engagement, date=dt.date(2026, 11, day), minutes=minutes)
    return engagement


def test_new_work_lines_say_what_the_work_was(a, hourly):
    invoice = services.invoice_create_draft(workspace=a.a, actor=a.alice, client=hourly.client)
    services.invoice_add_unbilled(
        invoice=invoice, actor=a.alice, engagement=hourly, as_of=dt.date(2026, 11, 30)
    )
    time, benefits = invoice.lines.order_by("position")
    assert time.description == "Website redesign — 2.5 hours × $150.00, Nov 1 – 2, 2026"
    assert benefits.description == (
        "Benefits contribution: 3% of $375.00 for Website redesign, "
        "set aside for the professional's benefits"
    )
    assert "portable-benefits account" not in benefits.description


def test_issued_lines_are_never_rewritten(a, hourly):
    invoice = services.invoice_create_draft(workspace=a.a, actor=a.alice, client=hourly.client)
    services.invoice_add_unbilled(
        invoice=invoice, actor=a.alice, engagement=hourly, as_of=dt.date(2026, 11, 30)
    )
    InvoiceLine.objects.filter(invoice=invoice, kind="benefits").update(description="As issued")
    services.invoice_finalize(invoice=invoice, actor=a.alice)
    assert invoice.lines.get(kind="benefits").description == "As issued"


# --- Smaller: the invoice email greets once ----------------------------------------------------
def test_the_email_greets_once_when_the_message_has_its_own_greeting(a):
    invoice = issued(a, "100")
    sent = delivery.invoice_send(
        invoice=invoice, actor=a.alice, to="billing@acme.example", message="Hi Jordan, thanks!"
    )
    token = services.invoice_link_current(invoice)
    email = delivery.invoice_email(invoice=invoice, sent=sent, token=token)
    html = email.alternatives[0][0]
    assert "Hello" not in email.body and "Hello" not in html
    assert email.body.count("Hi Jordan") == 1 and html.count("Hi Jordan") == 1
    plain = delivery.invoice_send(invoice=invoice, actor=a.alice, to="billing@acme.example")
    email = delivery.invoice_email(invoice=invoice, sent=plain, token=token)
    assert email.body.startswith("Hello Acme Corp,")
    assert not mail.outbox  # built, not sent, here
