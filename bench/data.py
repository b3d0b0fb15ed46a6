"""Bench data made by the project's own code: a workspace with N finalised invoices (3
lines each) made through the recurring run's set-based path
(`recurring_generate_for_workspace`, what the beat task calls), a sample of them paid
through `receipt_record`, and part of them overdue.

Why the recurring path and not rows written here: the rows then carry whatever the
project writes (numbers, ledger postings, events, audit, summaries kept by postings), so
a page read over them costs what it costs in production. Many weekly schedules × a few
periods each, so one run's batch of schedules makes thousands of invoices; 100,000
invoices take a minute or two.

`grow_to` brings a workspace to a size, a step at a time (`add_invoices`), each step on
its own dates; the page bench makes one workspace per size this way.
Paying is per invoice (the receipt service), so only a sample is paid: nearly every
invoice stays open and overdue, the worst case for sums over open invoices."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

# Periods made by each schedule in one step: weekly, so a step's invoices spread over
# the last PERIODS weeks before its date.
PERIODS = 12
# The biggest client holds this share of a workspace's schedules (its page is measured).
BIG_CLIENT_SHARE = 10
DAYS_UNTIL_DUE = 14


@dataclass
class BenchWorkspace:
    """A workspace the benches read, its owner (logged in by the page bench), and its
    clients, the biggest first."""

    workspace: Any
    owner: Any
    clients: list[Any]
    invoices: int = 0
    paid: int = 0
    steps: list[dt.date] = field(default_factory=list)

    @property
    def biggest_client(self) -> Any:
        return self.clients[0]


def make_workspace(*, label: str, clients: int = 20) -> BenchWorkspace:
    """An empty workspace with an owner (a verified user) and `clients` EUR clients."""
    from allauth.account.models import EmailAddress

    from accounts.models import Membership, Role, User, Workspace
    from accounts.tenancy import workspace_scope
    from engagements.models import Client
    from invoicing.models import TaxRate

    tag = uuid.uuid4().hex[:8]
    slug = f"bench-{label}-{tag}"
    owner = User.objects.create_user(email=f"{slug}@bench.example", password=None)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    workspace = Workspace.objects.create(
        name=f"Bench {label} {tag}", slug=slug, country="US", base_currency="EUR"
    )
    with workspace_scope(workspace):
        Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        TaxRate.objects.create(workspace=workspace, name="VAT 20%", percent=20)
        made = Client.objects.bulk_create(
            [
                Client(
                    workspace=workspace,
                    name=f"Client {i:03d}",
                    email=f"c{i}@{slug}.example",
                    currency="EUR",
                )
                for i in range(clients)
            ]
        )
    return BenchWorkspace(workspace=workspace, owner=owner, clients=made)


def _template_lines(vat_id: int) -> list[dict[str, Any]]:
    return [
        {
            "description": f"Retainer item {k + 1}",
            "quantity": "1.5" if k % 2 else "1",
            "unit_price": f"{120 + k}.50",
            "discount_percent": "5" if k == 1 else "0",
            "tax_rate_id": vat_id if k % 2 == 0 else None,
        }
        for k in range(3)
    ]


def add_invoices(
    bench: BenchWorkspace, count: int, *, as_of: dt.date, paid: int = 0
) -> BenchWorkspace:
    """Make `count` more finalised invoices dated up to `as_of` through the recurring
    run, then record full payment of `paid` of them through the receipt service.
    Invoices issued more than DAYS_UNTIL_DUE days before today are overdue."""
    from accounts.tenancy import workspace_scope
    from invoicing.models import Invoice, RecurringSchedule, TaxRate
    from invoicing.services import recurring_runs
    from invoicing.services.receipts import receipt_record

    if count <= 0:
        return bench
    workspace = bench.workspace
    with workspace_scope(workspace):
        vat = TaxRate.objects.get()
        lines = _template_lines(vat.pk)
        # count = full × PERIODS + rest: `full` schedules of PERIODS weeks, one of `rest`.
        full, rest = divmod(count, PERIODS)
        spans = [PERIODS] * full + ([rest] if rest else [])
        clients = bench.clients
        schedules = []
        for i, periods in enumerate(spans):
            # One schedule in BIG_CLIENT_SHARE goes to the biggest client, the rest round robin.
            client = clients[0] if i % BIG_CLIENT_SHARE == 0 else clients[i % len(clients)]
            start = as_of - dt.timedelta(weeks=periods - 1)
            schedules.append(
                RecurringSchedule(
                    workspace=workspace,
                    name=f"Bench {as_of:%Y%m%d} #{i}",
                    client=client,
                    interval="weekly",
                    start_date=start,
                    next_run=start,
                    currency="EUR",
                    lines=lines,
                    days_until_due=DAYS_UNTIL_DUE,
                    auto_finalize=True,
                )
            )
        made = RecurringSchedule.objects.bulk_create(schedules, batch_size=2000)
        result = recurring_runs.recurring_generate_for_workspace(workspace=workspace, today=as_of)
        assert len(result.invoices) == count, (len(result.invoices), count)
        # The step's schedules are done: a later step (with a later date) must not
        # catch them up, or sizes would not be what they say.
        RecurringSchedule.objects.filter(pk__in=[s.pk for s in made]).update(active=False)
        if paid:
            sample = Invoice.objects.filter(pk__in=result.invoices).order_by("pk")
            step = max(1, count // paid)
            for invoice in list(sample[::step][:paid]):
                receipt_record(
                    invoice=invoice,
                    actor=bench.owner,
                    amount=invoice.total,
                    received_on=max(as_of, invoice.issue_date or as_of),
                    method="bank_transfer",
                    reference=f"bench {invoice.number}",
                )
            bench.paid += min(paid, len(range(0, count, step)))
    bench.invoices += count
    bench.steps.append(as_of)
    return bench


def grow_to(bench: BenchWorkspace, size: int, *, today: dt.date, paid_per_step: int = 20) -> None:
    """Add invoices until the workspace holds `size`. Each step is dated a day later than
    the last (and all before today), so the newest invoices are the last step's."""
    missing = size - bench.invoices
    if missing <= 0:
        return
    # Steps are dated back from today: the first step 40 days ago (its invoices overdue),
    # later ones a day apart, the last still in the past.
    as_of = today - dt.timedelta(days=max(1, 40 - len(bench.steps)))
    add_invoices(bench, missing, as_of=as_of, paid=min(paid_per_step, missing // 10))
    fold(bench)


def fold(bench: BenchWorkspace) -> None:
    """What the beat task `invoicing.schedule_tasks.owed_fold` does every minute: the
    owed rows the invoices' trigger appended, one per client, currency and due date."""
    from invoicing.services.owed import owed_fold

    owed_fold(workspace_id=bench.workspace.pk)


def small_workspace(*, today: dt.date, size: int = 200) -> BenchWorkspace:
    """The second, small workspace: `size` invoices over 5 clients, a fifth of them paid,
    the older half overdue."""
    bench = make_workspace(label="small", clients=5)
    older = size // 2
    add_invoices(bench, older, as_of=today - dt.timedelta(days=45), paid=older // 5)
    add_invoices(bench, size - older, as_of=today - dt.timedelta(days=1), paid=(size - older) // 5)
    fold(bench)
    return bench
