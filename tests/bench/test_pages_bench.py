"""bench.pages at a tiny size: the data bench.data makes is what it says (sizes, paid
sample, another tenant beside it) and the report has a row per page and size, each page
answered 200 — so `make bench` does not find out at 100,000 invoices that it is broken."""

from accounts.tenancy import workspace_scope
from bench import pages
from bench.data import add_invoices, make_workspace
from invoicing.models import Invoice, Receipt


def test_bench_data_makes_finalised_invoices_through_the_recurring_run(db):
    from django.utils import timezone

    today = timezone.localdate()
    bench = make_workspace(label="t", clients=3)
    add_invoices(bench, 30, as_of=today - timezone.timedelta(days=40), paid=3)
    with workspace_scope(bench.workspace):
        invoices = Invoice.objects.all()
        assert invoices.count() == 30
        assert not invoices.filter(number="").exists()  # all finalised, numbered
        assert invoices.filter(status=Invoice.Status.PAID).count() == 3
        assert Receipt.objects.count() == 3
        assert invoices.filter(due_date__lt=today, status=Invoice.Status.OPEN).count() == 27
        assert {i.lines.count() for i in invoices[:5]} == {3}


def test_page_bench_reports_every_page_at_every_size(db):
    results = pages.measure_sizes([20, 60], requests=1, warmup=0, other_tenant=10)
    names = pages.PAGES
    assert [(m.page, m.size) for m in results] == [
        (name, size) for name in names for size in (20, 60)
    ]
    assert {m.status for m in results} == {200}
    assert all(m.queries > 0 and m.median_ms > 0 for m in results)
    text = pages.report(results)
    for name in names:
        assert text.count(name) == 2
    assert "growth" in text and "1.00×" in text
