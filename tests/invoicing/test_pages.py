"""The invoicing dashboard pages: each renders, each POST goes through its service, bad
input is a 200 with the field's error and nothing saved, accountants get 403 on writes,
and the list's query count does not grow with its rows."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from engagements import services as work
from invoicing import services
from invoicing.models import (
    Allocation,
    ExchangeRate,
    Invoice,
    InvoiceLine,
    Receipt,
    TaxRate,
)
from tests.factories import ClientFactory, EngagementFactory

S = Invoice.Status


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


def url(p, name, *args):
    return reverse(name, args=[p.a.slug, *args])


def make_draft(p, price="100", client=None, **line):
    client = client or ClientFactory(workspace=p.a, currency="USD")
    invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", unit_price=D(price), **line
    )
    invoice.refresh_from_db()
    return invoice


def make_open(p, price="100", **kw):
    return services.invoice_finalize(invoice=make_draft(p, price, **kw), actor=p.alice)


@pytest.fixture
def alice(client, a):
    client.force_login(a.alice)
    return client


# --- Pages render ----------------------------------------------------------------------------
def test_every_page_renders(alice, a):
    draft = make_draft(a)
    final = make_open(a)
    services.receipt_record(
        invoice=final, actor=a.alice, amount=D("30"), received_on=final.issue_date, method="cash"
    )
    services.credit_note_create(invoice=final, actor=a.alice, amount=D("10"), reason="Goodwill")
    rate = TaxRate.objects.create(workspace=a.a, name="VAT", percent=D("20"))
    pages = [
        url(a, "invoicing:invoice_list"),
        url(a, "invoicing:invoice_list") + "?status=overdue",
        url(a, "invoicing:invoice_list") + "?status=partially_paid&kind=invoice&currency=USD",
        url(a, "invoicing:invoice_create"),
        url(a, "invoicing:invoice_detail", draft.pk),
        url(a, "invoicing:invoice_detail", draft.pk) + f"?line={draft.lines.get().pk}",
        url(a, "invoicing:invoice_unbilled", draft.pk),
        url(a, "invoicing:invoice_detail", final.pk),
        url(a, "invoicing:invoice_detail", final.credit_notes.get().pk),
        url(a, "invoicing:invoice_tax_rates"),
        url(a, "invoicing:invoice_tax_rate_edit", rate.pk),
        url(a, "invoicing:invoice_exchange_rates"),
    ]
    for page in pages:
        response = alice.get(page)
        assert response.status_code == 200, page
    body = alice.get(url(a, "invoicing:invoice_detail", final.pk)).content.decode()
    for text in ("Record a payment", "Timeline", "Finalised as", "Payment recorded", "Client link"):
        assert text in body


def test_list_filters_and_outstanding_per_currency(alice, a):
    today = timezone.localdate()
    eur = ClientFactory(workspace=a.a, currency="EUR", name="Euro Client")
    late = make_open(a, "100")
    Invoice.objects.filter(pk=late.pk).update(due_date=today - dt.timedelta(days=3))
    make_open(a, "50", client=eur)
    make_draft(a, "70")
    response = alice.get(url(a, "invoicing:invoice_list"))
    outstanding = {row.currency: row for row in response.context["outstanding"]}
    assert outstanding["USD"].amount == D("100.00")
    assert outstanding["USD"].overdue_count == 1
    assert outstanding["EUR"].amount == D("50.00")
    overdue = alice.get(url(a, "invoicing:invoice_list") + "?status=overdue").context["page"]
    assert [i.pk for i in overdue] == [late.pk]
    drafts = alice.get(url(a, "invoicing:invoice_list") + "?status=draft").context["page"]
    assert [i.status for i in drafts] == [S.DRAFT]
    euros = alice.get(url(a, "invoicing:invoice_list") + "?currency=EUR").context["page"]
    assert [i.client.name for i in euros] == ["Euro Client"]
    # Nonsense filters are ignored, not an error page.
    assert alice.get(url(a, "invoicing:invoice_list") + "?status=bogus&client=x").status_code == 200


def test_list_query_count_is_constant(alice, a, django_assert_max_num_queries):
    client = ClientFactory(workspace=a.a)
    Invoice.objects.bulk_create(
        [Invoice(workspace=a.a, client=client, currency="USD", total=D("10")) for _ in range(10)]
    )
    # session, user, workspace + membership (middleware), currencies, client choices,
    # outstanding per currency, count, page of rows (client joined), messages — the rest
    # slack for the middleware; none of it per row.
    with django_assert_max_num_queries(14) as ten:
        assert alice.get(url(a, "invoicing:invoice_list")).status_code == 200
    Invoice.objects.bulk_create(
        [Invoice(workspace=a.a, client=client, currency="USD", total=D("10")) for _ in range(290)]
    )
    with django_assert_max_num_queries(len(ten.captured_queries)):
        response = alice.get(url(a, "invoicing:invoice_list"))
    assert len(response.context["page"].object_list) == 50


# --- A new draft, unbilled work ------------------------------------------------------------------
def test_new_blank_draft(alice, a):
    client = ClientFactory(workspace=a.a, currency="EUR")
    response = alice.post(
        url(a, "invoicing:invoice_create"), {"client": client.pk, "start": "blank"}
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(url(a, "invoicing:invoice_detail", invoice.pk))
    assert (invoice.client, invoice.currency, invoice.status) == (client, "EUR", S.DRAFT)


def test_new_invoice_offers_only_this_workspaces_clients(alice, a):
    theirs = ClientFactory(workspace=a.b)
    response = alice.post(
        url(a, "invoicing:invoice_create"), {"client": theirs.pk, "start": "blank"}
    )
    assert response.status_code == 200
    assert "client" in response.context["form"].errors
    assert Invoice.objects.count() == 0


def test_unbilled_time_onto_a_draft(alice, a):
    client = ClientFactory(workspace=a.a, currency="USD")
    hourly = EngagementFactory(
        client=client, hourly_rate=D("120"), benefits_contribution_percent=D("5")
    )
    today = timezone.localdate()
    work.time_entry_save(
        engagement=hourly, actor=a.alice, date=today, minutes=90, description="Design"
    )
    # An existing draft's "Add unbilled work" (a new invoice from work is one step:
    # tests/invoicing/test_invoice_from_work.py).
    invoice = services.invoice_create_draft(workspace=a.a, actor=a.alice, client=client)
    page = alice.get(url(a, "invoicing:invoice_unbilled", invoice.pk) + f"?engagement={hourly.pk}")
    row = next(r for r in page.context["rows"] if r["engagement"] == hourly)
    assert row["total"] == D("180.00") and row["benefits_amount"] == D("9.00")
    response = alice.post(
        url(a, "invoicing:invoice_unbilled", invoice.pk), {"engagement": hourly.pk}
    )
    assert response.status_code == 302
    kinds = list(invoice.lines.values_list("kind", "total_amount"))
    assert kinds == [(InvoiceLine.Kind.WORK, D("180.00")), (InvoiceLine.Kind.BENEFITS, D("9.00"))]
    # Nothing left: a second add is an error on the page, nothing added.
    response = alice.post(
        url(a, "invoicing:invoice_unbilled", invoice.pk), {"engagement": hourly.pk}
    )
    assert response.status_code == 200
    assert b"Nothing is unbilled" in response.content
    assert invoice.lines.count() == 2


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-01", "not-a-date"])
def test_the_unbilled_page_ignores_a_period_it_cannot_use(alice, a, end):
    """A hand-edited link must not break the page: an absurd period is no period."""
    client = ClientFactory(workspace=a.a, currency="USD")
    EngagementFactory(client=client, pay_model="retainer", retainer_fee=D("1000"))
    draft = make_draft(a, client=client)
    page = alice.get(url(a, "invoicing:invoice_unbilled", draft.pk), {"period_end": end})
    assert page.status_code == 200


# --- The draft editor --------------------------------------------------------------------------
def test_line_add_edit_delete_recalculates(alice, a):
    invoice = make_draft(a, "100")
    vat = TaxRate.objects.create(workspace=a.a, name="VAT", percent=D("20"))
    response = alice.post(
        url(a, "invoicing:invoice_line_save", invoice.pk),
        {
            "description": "Extra",
            "quantity": "2",
            "unit_price": "50",
            "discount_percent": "10",
            "tax_rate": vat.pk,
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.total == D("208.00")  # 100 + (100 − 10) × 1.2
    line = invoice.lines.get(description="Extra")
    alice.post(
        url(a, "invoicing:invoice_line_save", invoice.pk),
        {"line_id": line.pk, "description": "Extra", "quantity": "1", "unit_price": "50"},
    )
    invoice.refresh_from_db()
    assert invoice.total == D("150.00")
    alice.post(url(a, "invoicing:invoice_line_delete", invoice.pk, line.pk))
    invoice.refresh_from_db()
    assert (invoice.total, invoice.lines.count()) == (D("100.00"), 1)


def test_bad_line_is_a_field_error_and_nothing_saved(alice, a):
    invoice = make_draft(a)
    theirs_rate = TaxRate(workspace=a.b, name="X", percent=D("5"))
    from django_scopes import scopes_disabled

    with scopes_disabled():
        theirs_rate.save()
    for data, field in [
        ({"description": "", "quantity": "1", "unit_price": "5"}, "description"),
        ({"description": "x", "quantity": "1", "unit_price": "abc"}, "unit_price"),
        (
            {"description": "x", "quantity": "1", "unit_price": "5", "discount_percent": "150"},
            "discount_percent",
        ),  # noqa: E501
        (
            {"description": "x", "quantity": "1", "unit_price": "5", "tax_rate": theirs_rate.pk},
            "tax_rate",
        ),  # noqa: E501
    ]:
        response = alice.post(url(a, "invoicing:invoice_line_save", invoice.pk), data)
        assert response.status_code == 200
        assert field in response.context["line_form"].errors, data
    assert invoice.lines.count() == 1


def test_header_save_and_its_errors(alice, a):
    invoice = make_draft(a)
    data = {
        "issue_date": "2026-03-01",
        "due_date": "2026-03-31",
        "currency": "EUR",
        "notes": "PO 7",
    }
    assert alice.post(url(a, "invoicing:invoice_header_save", invoice.pk), data).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.currency, invoice.notes, invoice.due_date) == (
        "EUR",
        "PO 7",
        dt.date(2026, 3, 31),
    )
    bad = {**data, "due_date": "2026-02-01", "notes": "changed"}
    response = alice.post(url(a, "invoicing:invoice_header_save", invoice.pk), bad)
    assert response.status_code == 200
    assert "due_date" in response.context["header_form"].errors
    invoice.refresh_from_db()
    assert invoice.notes == "PO 7"


def test_finalise_and_delete_draft(alice, a):
    invoice = make_draft(a)
    empty = services.invoice_create_draft(workspace=a.a, actor=a.alice, client=invoice.client)
    alice.post(url(a, "invoicing:invoice_finalize", empty.pk))
    empty.refresh_from_db()
    assert empty.status == S.DRAFT  # no lines: refused, with a message
    alice.post(url(a, "invoicing:invoice_finalize", invoice.pk))
    invoice.refresh_from_db()
    assert invoice.status == S.OPEN and invoice.number
    response = alice.post(url(a, "invoicing:invoice_delete", empty.pk))
    assert response["Location"] == url(a, "invoicing:invoice_list")
    assert not Invoice.objects.filter(pk=empty.pk).exists()
    alice.post(url(a, "invoicing:invoice_delete", invoice.pk))  # finalised: not deletable
    assert Invoice.objects.filter(pk=invoice.pk).exists()


# --- Finalised: payments, credit, void, link ------------------------------------------------
def test_payment_partial_then_overpayment_to_credit_then_reverse(alice, a):
    invoice = make_open(a, "100")
    today = timezone.localdate().isoformat()
    pay = {"amount": "40", "received_on": today, "method": "bank_transfer", "reference": "R1"}
    assert alice.post(url(a, "invoicing:invoice_payment", invoice.pk), pay).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (S.PARTIALLY_PAID, D("60.00"))
    alice.post(url(a, "invoicing:invoice_payment", invoice.pk), {**pay, "amount": "75"})
    invoice.refresh_from_db()
    assert invoice.status == S.PAID
    assert services.client_credit_balance(client=invoice.client, currency="USD") == D("15")
    first = Receipt.objects.order_by("pk").first()
    response = alice.post(
        url(a, "invoicing:invoice_payment_reverse", invoice.pk, first.pk), {"reason": "bounced"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (S.PARTIALLY_PAID, D("60.00"))
    # The client's credit pays the rest of it.
    alice.post(url(a, "invoicing:invoice_credit_apply", invoice.pk))
    invoice.refresh_from_db()
    assert invoice.amount_due == D("25.00")
    assert Allocation.objects.filter(kind="credit_applied", invoice=invoice).count() == 1


def test_bad_payment_is_a_field_error_and_nothing_saved(alice, a):
    invoice = make_open(a)
    for data, field in [
        ({"amount": "0", "received_on": "2026-01-01", "method": "cash"}, "amount"),
        ({"amount": "5", "received_on": "", "method": "cash"}, "received_on"),
        ({"amount": "5", "received_on": "2026-01-01", "method": "stripe"}, "method"),
    ]:
        response = alice.post(url(a, "invoicing:invoice_payment", invoice.pk), data)
        assert response.status_code == 200
        assert field in response.context["payment_form"].errors
    assert Receipt.objects.count() == 0
    response = alice.post(
        url(a, "invoicing:invoice_payment_reverse", invoice.pk, 0), {"reason": "x"}
    )
    assert response.status_code == 404


def test_credit_note_full_and_partial(alice, a):
    invoice = make_open(a, "100")
    response = alice.post(
        url(a, "invoicing:invoice_credit_note", invoice.pk),
        {"scope": "partial", "amount": "500", "reason": "too much"},
    )
    assert response.status_code == 200
    assert "amount" in response.context["credit_note_form"].errors
    response = alice.post(
        url(a, "invoicing:invoice_credit_note", invoice.pk),
        {"scope": "partial", "reason": "no amount"},
    )
    assert "amount" in response.context["credit_note_form"].errors
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 0
    alice.post(
        url(a, "invoicing:invoice_credit_note", invoice.pk),
        {"scope": "partial", "amount": "30", "reason": "discount"},
    )
    alice.post(
        url(a, "invoicing:invoice_credit_note", invoice.pk), {"scope": "full", "reason": "cancel"}
    )
    invoice.refresh_from_db()
    notes = list(invoice.credit_notes.order_by("pk").values_list("total", flat=True))
    assert notes == [D("30.00"), D("70.00")]
    assert (invoice.status, invoice.amount_due) == (S.PAID, D("0.00"))


def test_void_and_uncollectible(alice, a):
    first, second = make_open(a), make_open(a)
    alice.post(url(a, "invoicing:invoice_void", first.pk), {"reason": "wrong client"})
    alice.post(url(a, "invoicing:invoice_uncollectible", second.pk))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.VOID, S.UNCOLLECTIBLE)
    body = alice.get(url(a, "invoicing:invoice_detail", first.pk)).content.decode()
    assert "wrong client" in body


def test_client_link_is_shown_again_and_can_be_revoked(alice, a):
    invoice = make_open(a)
    response = alice.post(url(a, "invoicing:invoice_link_issue", invoice.pk))
    assert response.status_code == 302 and response["Location"].endswith("#client-link")
    page = alice.get(url(a, "invoicing:invoice_detail", invoice.pk))
    link = page.context["current_link"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert services.invoice_from_token(token=token).pk == invoice.pk
    # Not shown once only: the same link on every visit (an HMAC of invoice and version).
    again = alice.get(url(a, "invoicing:invoice_detail", invoice.pk)).content.decode()
    assert link in again
    alice.post(url(a, "invoicing:invoice_link_revoke", invoice.pk))
    invoice.refresh_from_db()
    assert invoice.link_revoked_at is not None
    assert link not in alice.get(url(a, "invoicing:invoice_detail", invoice.pk)).content.decode()


def test_download_pdf(alice, a):
    invoice = make_open(a)
    response = alice.get(url(a, "invoicing:invoice_pdf", invoice.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_send_page(alice, a, mailoutbox, django_capture_on_commit_callbacks):
    invoice = make_open(a)
    assert alice.get(url(a, "invoicing:invoice_send", invoice.pk)).status_code == 200
    response = alice.post(url(a, "invoicing:invoice_send", invoice.pk), {"to": "not-an-address"})
    assert response.status_code == 200 and "to" in response.context["form"].errors
    with django_capture_on_commit_callbacks(execute=False):
        response = alice.post(
            url(a, "invoicing:invoice_send", invoice.pk), {"to": "ap@client.example"}
        )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.sent_at is not None


# --- Settings ----------------------------------------------------------------------------------
def test_tax_rates_add_edit_archive(alice, a):
    response = alice.post(url(a, "invoicing:invoice_tax_rates"), {"name": "VAT", "percent": "20"})
    assert response.status_code == 302
    rate = TaxRate.objects.get()
    alice.post(
        url(a, "invoicing:invoice_tax_rate_edit", rate.pk), {"name": "VAT std", "percent": "21"}
    )
    rate.refresh_from_db()
    assert (rate.name, rate.percent) == ("VAT std", D("21"))
    response = alice.post(url(a, "invoicing:invoice_tax_rates"), {"name": "Bad", "percent": "150"})
    assert response.status_code == 200 and "percent" in response.context["form"].errors
    assert TaxRate.objects.count() == 1
    alice.post(url(a, "invoicing:invoice_tax_rate_archive", rate.pk), {"archived": "1"})
    rate.refresh_from_db()
    assert rate.archived
    # An archived rate is no longer offered on a new line.
    invoice = make_draft(a)
    form = alice.get(url(a, "invoicing:invoice_detail", invoice.pk)).context["line_form"]
    assert list(form.fields["tax_rate"].queryset) == []


def test_exchange_rates_add_and_bad_input(alice, a):
    data = {"date": "2026-01-31", "currency": "EUR", "rate": "1.0842"}
    assert alice.post(url(a, "invoicing:invoice_exchange_rates"), data).status_code == 302
    assert ExchangeRate.objects.get().rate == D("1.0842")
    alice.post(
        url(a, "invoicing:invoice_exchange_rates"), {**data, "rate": "1.1"}
    )  # same day: replaced
    assert ExchangeRate.objects.get().rate == D("1.1")
    for bad, field in [({"rate": "0"}, "rate"), ({"currency": "USD"}, "currency")]:
        response = alice.post(url(a, "invoicing:invoice_exchange_rates"), {**data, **bad})
        assert response.status_code == 200 and field in response.context["form"].errors
    assert ExchangeRate.objects.count() == 1


def csv_file(text):
    return SimpleUploadedFile("rates.csv", text.encode(), content_type="text/csv")


def test_exchange_rate_csv_import_is_all_or_nothing(alice, a):
    bad = "date,currency,rate\n2026-01-31,EUR,1.08\n2026-02-30,GBP,1.2\n2026-01-31,XXX,-1\n"
    response = alice.post(url(a, "invoicing:invoice_exchange_rate_import"), {"file": csv_file(bad)})
    assert response.status_code == 200
    errors = response.context["import_errors"]
    assert [e.split(":")[0] for e in errors] == ["Row 3", "Row 4"]
    assert ExchangeRate.objects.count() == 0
    good = "date,currency,rate\n2026-01-31,EUR,1.08\n2026-01-31,GBP,1.27\n"
    response = alice.post(
        url(a, "invoicing:invoice_exchange_rate_import"), {"file": csv_file(good)}
    )
    assert response.status_code == 302
    assert ExchangeRate.objects.count() == 2


# --- Roles -----------------------------------------------------------------------------------
def test_accountant_reads_but_cannot_write(client, a):
    draft, final = make_draft(a), make_open(a)
    rate = TaxRate.objects.create(workspace=a.a, name="VAT", percent=D("20"))
    client.force_login(a.andy)
    assert client.get(url(a, "invoicing:invoice_list")).status_code == 200
    assert client.get(url(a, "invoicing:invoice_detail", final.pk)).status_code == 200
    assert client.get(url(a, "invoicing:invoice_detail", draft.pk)).status_code == 200
    posts = [
        ("invoicing:invoice_create", ()),
        ("invoicing:invoice_header_save", (draft.pk,)),
        ("invoicing:invoice_line_save", (draft.pk,)),
        ("invoicing:invoice_unbilled", (draft.pk,)),
        ("invoicing:invoice_finalize", (draft.pk,)),
        ("invoicing:invoice_delete", (draft.pk,)),
        ("invoicing:invoice_payment", (final.pk,)),
        ("invoicing:invoice_credit_apply", (final.pk,)),
        ("invoicing:invoice_credit_note", (final.pk,)),
        ("invoicing:invoice_void", (final.pk,)),
        ("invoicing:invoice_uncollectible", (final.pk,)),
        ("invoicing:invoice_link_issue", (final.pk,)),
        ("invoicing:invoice_link_revoke", (final.pk,)),
        ("invoicing:invoice_send", (final.pk,)),
        ("invoicing:invoice_tax_rates", ()),
        ("invoicing:invoice_tax_rate_edit", (rate.pk,)),
        ("invoicing:invoice_tax_rate_archive", (rate.pk,)),
        ("invoicing:invoice_exchange_rates", ()),
        ("invoicing:invoice_exchange_rate_import", ()),
    ]
    for name, args in posts:
        assert client.post(url(a, name, *args), {}).status_code == 403, name
    draft.refresh_from_db()
    final.refresh_from_db()
    assert (draft.status, final.status) == (S.DRAFT, S.OPEN)
